using System.Net.Sockets;
using System.Text;
using Moat.Server.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Moat.Server.Tests.Hardening;

/// <summary>
/// Malformed input never crashes the server, for the text and meta protocols (the binary protocol has its own fuzzer in
/// Binary/BinaryFuzzTests): seeded mutations of valid requests — bit flips, random bytes, truncation, CRLF removal,
/// numeric fields set to 0 / 2^31 / 2^32−1 / negative / too long, splices — sent over real TCP connections to a moat
/// child process logging at -vvv. Afterwards the server answers "version", control keys stored before are unchanged,
/// and its log has no unhandled-exception line. Bounded to 15 s of fuzzing.
/// </summary>
public sealed class TextMetaFuzzTests(ITestOutputHelper output)
{
    private static readonly string[] Corpus =
    [
        "set fz 0 0 5\r\nhello\r\n",
        "get fz\r\n",
        "gets fz fz2 fz3\r\n",
        "add fz2 1 100 3\r\nabc\r\n",
        "replace fz 7 0 2\r\nhi\r\n",
        "append fz 0 0 2\r\nxy\r\n",
        "prepend fz 0 0 2\r\nxy\r\n",
        "cas fz 0 0 1 12345\r\nz\r\n",
        "set ctr 0 0 2\r\n10\r\n",
        "incr ctr 5\r\n",
        "decr ctr 3 noreply\r\n",
        "delete fz\r\n",
        "touch fz 10\r\n",
        "gat 10 fz fz2\r\n",
        "gats 0 fz\r\n",
        "version\r\n",
        "stats\r\n",
        "stats settings\r\n",
        "stats detail dump\r\n",
        "stats cachedump 1 10\r\n",
        "mg fz v f t c k s\r\n",
        "mg fz2 s v q O123\r\n",
        "ms fz 5 T0 F3\r\nhello\r\n",
        "ms fz 3 MA\r\nabc\r\n",
        "md fz q\r\n",
        "ma ctr D5 N0 J13\r\n",
        "ma ctr MD D2\r\n",
        "mn\r\n",
        "me fz\r\n",
    ];

    private static readonly byte[][] CorpusBytes = [.. Corpus.Select(Encoding.Latin1.GetBytes)];

    private static readonly string[] InterestingNumbers =
        ["0", "2147483648", "2147483647", "4294967295", "4294967296", "-1", "-2147483649", "18446744073709551615", "18446744073709551616", "99999999999999999999999"];

    private static readonly (string Key, string Value)[] ControlKeys =
        [("guard:alpha", "one"), ("guard:beta", "0123456789"), ("guard:gamma", new string('g', 5000))];

    [Fact]
    public void Mutated_text_and_meta_requests_never_break_the_server()
    {
        using var moat = new MoatServer("-vvv", "--slow-request-timeout", "2");
        using (var setup = HardeningWire.ConnectFrom("127.0.0.1", "127.0.0.1", moat.Port))
        {
            foreach (var (key, value) in ControlKeys)
            {
                Assert.Equal("STORED\r\n", HardeningWire.Roundtrip(setup, $"set {key} 0 0 {value.Length}\r\n{value}\r\n"));
            }
        }

        var random = new Random(20_261_121);
        var deadline = Environment.TickCount64 + 15_000;
        var batches = 0;
        for (; batches < 600 && Environment.TickCount64 < deadline; batches++)
        {
            SendAndDrain(moat.Port, Mutate(random));
            if (batches % 25 == 0)
            {
                using var probe = HardeningWire.ConnectFrom("127.0.0.1", "127.0.0.1", moat.Port);
                Assert.Equal("VERSION 1.6.18\r\n", HardeningWire.Roundtrip(probe, "version\r\n"));
            }
        }

        output.WriteLine($"{batches} mutated batches");
        Assert.True(batches >= 50, $"only {batches} batches ran");
        using (var check = HardeningWire.ConnectFrom("127.0.0.1", "127.0.0.1", moat.Port))
        {
            Assert.Equal("VERSION 1.6.18\r\n", HardeningWire.Roundtrip(check, "version\r\n"));
            foreach (var (key, value) in ControlKeys)
            {
                Assert.Equal($"VALUE {key} 0 {value.Length}\r\n{value}\r\nEND\r\n", HardeningWire.Roundtrip(check, $"get {key}\r\n", "END\r\n"));
            }
        }

        var log = moat.KillAndReadOutput();
        Assert.DoesNotContain("unhandled exception", log, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("crit:", log, StringComparison.Ordinal);
        Assert.DoesNotContain("fail:", log, StringComparison.Ordinal);
    }

    /// <summary>Sends one mutated batch on its own connection and reads whatever comes back for a short while.</summary>
    private static void SendAndDrain(int port, byte[] batch)
    {
        using var socket = HardeningWire.ConnectFrom("127.0.0.1", "127.0.0.1", port);
        try
        {
            socket.Send(batch);
            var buffer = new byte[65536];
            var quietUntil = Environment.TickCount64 + 40;
            var hardStop = Environment.TickCount64 + 1000;
            while (Environment.TickCount64 < quietUntil && Environment.TickCount64 < hardStop)
            {
                if (socket.Poll(10_000, SelectMode.SelectRead))
                {
                    if (socket.Receive(buffer) == 0)
                    {
                        return;
                    }

                    quietUntil = Environment.TickCount64 + 40;
                }
            }
        }
        catch (SocketException)
        {
            // The server may close or reset a connection sending garbage; that is an allowed outcome.
        }
    }

    private static byte[] Mutate(Random random) =>
        FuzzMutations.Mutate(random, CorpusBytes, RemoveLineEnding, ReplaceNumber);

    /// <summary>Drops one "\r\n", "\r" or "\n".</summary>
    private static byte[] RemoveLineEnding(byte[] bytes, Random random)
    {
        var ends = Enumerable.Range(0, bytes.Length).Where(i => bytes[i] is (byte)'\r' or (byte)'\n').ToList();
        if (ends.Count == 0)
        {
            return bytes;
        }

        var at = ends[random.Next(ends.Count)];
        var length = bytes[at] == (byte)'\r' && at + 1 < bytes.Length && bytes[at + 1] == (byte)'\n' && random.Next(2) == 0 ? 2 : 1;
        return [.. bytes[..at], .. bytes[(at + length)..]];
    }

    /// <summary>Replaces one run of digits (a length, flag, exptime, delta or CAS) with a boundary value.</summary>
    private static byte[] ReplaceNumber(byte[] bytes, Random random)
    {
        var starts = Enumerable.Range(0, bytes.Length).Where(i => char.IsAsciiDigit((char)bytes[i]) && (i == 0 || !char.IsAsciiDigit((char)bytes[i - 1]))).ToList();
        if (starts.Count == 0)
        {
            return bytes;
        }

        var start = starts[random.Next(starts.Count)];
        var end = start;
        while (end < bytes.Length && char.IsAsciiDigit((char)bytes[end]))
        {
            end++;
        }

        var number = InterestingNumbers[random.Next(InterestingNumbers.Length)];
        return [.. bytes[..start], .. Encoding.ASCII.GetBytes(number), .. bytes[end..]];
    }
}
