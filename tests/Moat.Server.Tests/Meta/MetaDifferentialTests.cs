using System.Text.RegularExpressions;
using Moat.Server.Tests.Infrastructure;

namespace Moat.Server.Tests.Meta;

/// <summary>
/// Every <see cref="MetaScripts"/> conversation against Debian's memcached 1.6.18 and against a Moat server, both over
/// loopback sockets: the replies must be equal byte for byte once CAS values (mg/ms/ma " c&lt;digits&gt;", me
/// " cas=&lt;digits&gt;") are normalised.
/// Skipped when memcached is missing.
/// </summary>
public sealed partial class MetaDifferentialTests(MemcachedServer memcached, MoatServerFixture moat)
    : IClassFixture<MemcachedServer>, IClassFixture<MoatServerFixture>
{
    [MemcachedTheory]
    [MemberData(nameof(MetaScripts.Names), MemberType = typeof(MetaScripts))]
    public void Moat_answers_like_memcached(string name)
    {
        Assert.True(memcached.Available, "memcached is installed but did not start");
        var request = "flush_all\r\n" + MetaScripts.Get(name);
        var theirs = Normalise(WireClient.Send(memcached.Port, request).Reply);
        var ours = Normalise(WireClient.Send(moat.Port, request).Reply);
        Assert.Equal(theirs, ours);
    }

    /// <summary>CAS values depend on how many items each server stored before; only their presence is compared.</summary>
    internal static string Normalise(string reply) => MeCas().Replace(CasFlag().Replace(reply, " c<cas>"), " cas=<cas>");

    [GeneratedRegex(@" c\d+(?=[ \r])")]
    private static partial Regex CasFlag();

    [GeneratedRegex(@" cas=\d+(?= )")]
    private static partial Regex MeCas();
}
