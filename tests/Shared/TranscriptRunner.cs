using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;

namespace Moat.Tests.Kit;

/// <summary>
/// Plays a <see cref="Transcript"/> against a server, in one of two ways.
/// <see cref="Play"/> sends the whole request (at once or in pieces) and returns the raw reply, CAS numbers
/// normalised, and whether the server closed: to compare with a recorded <see cref="Transcript.ExpectedReply"/>.
/// <see cref="RunAsync"/> plays the steps one by one and returns a readable, normalised log of requests and replies,
/// to compare two servers: each step is followed by a <c>version</c> sentinel in the same write; the step's reply is
/// everything before the sentinel's <c>VERSION</c> line, so no reply parser is needed and malformed replies are still
/// caught.
/// </summary>
public static partial class TranscriptRunner
{
    private static readonly TimeSpan StepTimeout = TimeSpan.FromSeconds(5);
    private static readonly byte[] Sentinel = "version\r\n"u8.ToArray();

    /// <summary>
    /// Sends the transcript's request (in pieces of <paramref name="pieceSize"/> bytes) and reads the reply until it is
    /// as long as the expected one, the server closes, or it goes quiet; CAS numbers become "&lt;cas&gt;".
    /// </summary>
    public static WireClient.Exchange Play(int port, Transcript transcript, int pieceSize = int.MaxValue)
    {
        var exchange = WireClient.Send(port, transcript.Request, expectedLength: transcript.ExpectedReply?.Length ?? -1, pieceSize: pieceSize, awaitClose: transcript.ExpectClose);
        return exchange with { Reply = Normalise(exchange.Reply) };
    }

    /// <summary>Replaces the CAS number of "VALUE key flags bytes cas" lines with "&lt;cas&gt;" (for <see cref="Play"/>).</summary>
    public static string Normalise(string reply) => CasPattern().Replace(reply, "$1 <cas>\r\n");

    /// <summary>Plays the steps one by one (see the class summary) and returns the log.</summary>
    public static async Task<string> RunAsync(int port, Transcript transcript, string keyPrefix, int displayLimit = 2000)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port));
        var normalizer = new ResponseNormalizer();
        var log = new StringBuilder();
        string? lastCas = null;
        var pending = new List<byte>();
        foreach (var step in transcript.Steps)
        {
            // The log shows {cas} unexpanded: the numbers differ between servers, the request does not.
            var shown = step.Replace("{p}", keyPrefix, StringComparison.Ordinal);
            var request = shown.Replace("{cas}", lastCas ?? "0", StringComparison.Ordinal);
            var closes = request.EndsWith("quit\r\n", StringComparison.Ordinal);
            var bytes = Encoding.UTF8.GetBytes(request);
            log.Append("> ").Append(Escape(shown, 300)).Append('\n');
            try
            {
                await socket.SendAsync(closes ? bytes : [.. bytes, .. Sentinel]);
            }
            catch (SocketException e)
            {
                log.Append("<send failed: ").Append(e.SocketErrorCode).Append(">\n");
                break;
            }

            var versionLinesExpected = CountVersionCommands(request) + (closes ? 0 : 1);
            var (reply, ending) = await ReadReplyAsync(socket, pending, versionLinesExpected);
            lastCas = LastCas(reply) ?? lastCas;
            log.Append(Escape(normalizer.Normalize(reply), displayLimit));
            if (ending is not null)
            {
                log.Append(ending).Append('\n');
                if (ending != "<no reply within timeout>")
                {
                    break;
                }
            }
        }

        return log.ToString();
    }

    // Reads until the expected number of VERSION lines arrived (the last one is the sentinel, removed), the
    // server closes, or the step times out.
    private static async Task<(string Reply, string? Ending)> ReadReplyAsync(Socket socket, List<byte> pending, int versionLines)
    {
        var buffer = new byte[64 * 1024];
        using var timeout = new CancellationTokenSource(StepTimeout);
        while (true)
        {
            if (versionLines > 0 && TryCutAfterVersionLines(pending, versionLines, out var reply))
            {
                return (reply, null);
            }

            int received;
            try
            {
                received = await socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token);
            }
            catch (OperationCanceledException)
            {
                var partial = Encoding.UTF8.GetString([.. pending]);
                pending.Clear();
                return (partial, "<no reply within timeout>");
            }
            catch (SocketException e)
            {
                var partial = Encoding.UTF8.GetString([.. pending]);
                pending.Clear();
                return (partial, $"<connection error: {e.SocketErrorCode}>");
            }

            if (received == 0)
            {
                var rest = Encoding.UTF8.GetString([.. pending]);
                pending.Clear();
                return (rest, "<connection closed>");
            }

            pending.AddRange(buffer.AsSpan(0, received));
        }
    }

    private static bool TryCutAfterVersionLines(List<byte> pending, int versionLines, out string reply)
    {
        var text = Encoding.UTF8.GetString([.. pending]);
        var seen = 0;
        var lineStart = 0;
        while (lineStart < text.Length)
        {
            var end = text.IndexOf("\r\n", lineStart, StringComparison.Ordinal);
            if (end < 0)
            {
                break;
            }

            if (text.AsSpan(lineStart, end - lineStart).StartsWith("VERSION ", StringComparison.Ordinal) && ++seen == versionLines)
            {
                reply = text[..lineStart];
                var consumed = Encoding.UTF8.GetByteCount(text.AsSpan(0, end + 2));
                pending.RemoveRange(0, consumed);
                return true;
            }

            lineStart = end + 2;
        }

        reply = "";
        return false;
    }

    private static int CountVersionCommands(string request)
    {
        var count = 0;
        foreach (var line in request.Split("\r\n"))
        {
            if (line == "version")
            {
                count++;
            }
        }

        return count;
    }

    private static string? LastCas(string reply)
    {
        string? cas = null;
        foreach (var line in reply.Split("\r\n"))
        {
            var tokens = line.Split(' ');
            if (tokens.Length == 5 && tokens[0] == "VALUE")
            {
                cas = tokens[4];
            }
            else if (ResponseNormalizer.IsMetaReply(line))
            {
                foreach (var token in tokens.Skip(1).Where(ResponseNormalizer.IsMetaCas))
                {
                    cas = token[1..];
                }
            }
        }

        return cas;
    }

    /// <summary>Shows CR and LF visibly and ends a line after each LF, so a diff of two logs lines up.</summary>
    public static string Escape(string text, int limit)
    {
        var builder = new StringBuilder();
        var shown = Math.Min(text.Length, limit);
        for (var i = 0; i < shown; i++)
        {
            var c = text[i];
            switch (c)
            {
                case '\r':
                    builder.Append("\\r");
                    break;
                case '\n':
                    builder.Append("\\n\n");
                    break;
                case < ' ' or (> '~' and < '\u00a0'):
                    builder.Append("\\x").Append(((int)c).ToString("x2", CultureInfo.InvariantCulture));
                    break;
                default:
                    builder.Append(c);
                    break;
            }
        }

        if (text.Length > limit)
        {
            // The hash keeps the comparison exact beyond what the log shows.
            var hash = Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..16];
            builder.Append(CultureInfo.InvariantCulture, $"...[{text.Length} chars in all, sha256 {hash}]\n");
        }
        else if (text.Length > 0 && text[^1] != '\n')
        {
            builder.Append('\n');
        }

        return builder.ToString();
    }

    [GeneratedRegex(@"(VALUE \S+ \d+ \d+) \d+\r\n")]
    private static partial Regex CasPattern();
}
