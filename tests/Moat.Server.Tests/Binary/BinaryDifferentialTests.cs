using Moat.Server.Tests.Infrastructure;

namespace Moat.Server.Tests.Binary;

/// <summary>
/// Every <see cref="BinaryScripts"/> conversation against Debian's memcached 1.6.18 and a Moat server (-B auto, the
/// default): the response frames must be equal field by field, CAS values compared only as zero/non-zero, and both
/// servers must close (or keep) the connection alike. Skipped when memcached is missing.
/// </summary>
public sealed class BinaryDifferentialTests(MemcachedServer memcached) : IClassFixture<MemcachedServer>
{
    [MemcachedTheory]
    [MemberData(nameof(BinaryScripts.Names), MemberType = typeof(BinaryScripts))]
    public void Moat_answers_like_memcached(string name)
    {
        Assert.True(memcached.Available, "memcached is installed but did not start");
        var frames = BinaryScripts.WithFlush(name).ToArray();
        var theirs = BinaryWire.Send(memcached.Port, frames);
        using var moat = new MoatServerFixture();
        var ours = BinaryWire.Send(moat.Port, frames);
        Assert.Equal(BinaryFrames.Describe(theirs.Reply), BinaryFrames.Describe(ours.Reply));
        Assert.Equal(theirs.Closed, ours.Closed);
    }
}
