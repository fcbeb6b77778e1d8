using System.Text.RegularExpressions;
using Moat.Server.Tests.Infrastructure;

namespace Moat.Server.Tests.Transcripts;

/// <summary>Plays a transcript against a server and normalises what differs by design (CAS values).</summary>
public static partial class TranscriptRunner
{
    public static WireClient.Exchange Play(int port, Transcript transcript, int pieceSize = int.MaxValue)
    {
        var exchange = WireClient.Send(port, transcript.Request, expectedLength: transcript.ExpectedReply.Length, pieceSize: pieceSize, awaitClose: transcript.ExpectClose);
        return exchange with { Reply = Normalise(exchange.Reply) };
    }

    /// <summary>Replaces the CAS number of "VALUE key flags bytes cas" lines.</summary>
    public static string Normalise(string reply) => CasPattern().Replace(reply, "$1 <cas>\r\n");

    [GeneratedRegex(@"(VALUE \S+ \d+ \d+) \d+\r\n")]
    private static partial Regex CasPattern();
}
