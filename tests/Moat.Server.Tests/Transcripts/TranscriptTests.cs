using Moat.Server.Tests.Infrastructure;

namespace Moat.Server.Tests.Transcripts;

/// <summary>Every transcript against Moat: the exact bytes and the same connection outcome as memcached.</summary>
public sealed class TranscriptTests(MoatServerFixture server) : IClassFixture<MoatServerFixture>
{
    [Theory]
    [MemberData(nameof(TextTranscripts.Names), MemberType = typeof(TextTranscripts))]
    public void Moat_answers_exactly_like_memcached(string name)
    {
        var transcript = TextTranscripts.Get(name);
        var exchange = TranscriptRunner.Play(server.Port, transcript);
        Assert.Equal(transcript.ExpectedReply, exchange.Reply);
        Assert.Equal(transcript.ExpectClose, exchange.Closed);
    }

    [Theory]
    [MemberData(nameof(TextTranscripts.Names), MemberType = typeof(TextTranscripts))]
    public void Moat_answers_the_same_when_the_request_arrives_in_pieces(string name)
    {
        var transcript = TextTranscripts.Get(name);
        var piece = Math.Max(3, transcript.Request.Length / 40);
        var exchange = TranscriptRunner.Play(server.Port, transcript, piece);
        Assert.Equal(transcript.ExpectedReply, exchange.Reply);
        Assert.Equal(transcript.ExpectClose, exchange.Closed);
    }
}
