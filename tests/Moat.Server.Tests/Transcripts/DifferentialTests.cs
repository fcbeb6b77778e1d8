namespace Moat.Server.Tests.Transcripts;

/// <summary>
/// The same transcripts against Debian's memcached: proves the recorded expectations are memcached's behaviour
/// today, so <see cref="TranscriptTests"/> compares Moat with the real thing. Skipped when memcached is missing.
/// </summary>
public sealed class DifferentialTests(MemcachedServer memcached) : IClassFixture<MemcachedServer>
{
    [MemcachedTheory]
    [MemberData(nameof(TextTranscripts.Names), MemberType = typeof(TextTranscripts))]
    public void Memcached_answers_as_recorded(string name)
    {
        Assert.True(memcached.Available, "memcached is installed but did not start");
        var transcript = TextTranscripts.Get(name);
        var exchange = TranscriptRunner.Play(memcached.Port, transcript);
        Assert.Equal(transcript.ExpectedReply, exchange.Reply);
        Assert.Equal(transcript.ExpectClose, exchange.Closed);
    }
}
