using System.Runtime.CompilerServices;

namespace Moat.Protocol.Text;

/// <summary>
/// Turns one command line into a <see cref="TextRequest"/>, applying memcached 1.6.18's validation in its order:
/// token counts first (plain ERROR), then the noreply marker, then key length and numeric fields (CLIENT_ERROR ...).
/// </summary>
internal static class TextCommandParser
{
    /// <summary>memcached's KEY_MAX_LENGTH.</summary>
    public const int MaxKeyLength = Memcached.MaxKeyLength;

    /// <summary>Parses <paramref name="line"/> (without its "\n" and an optional "\r" before it).</summary>
    public static TextRequest Parse(ReadOnlySpan<byte> line)
    {
        var request = default(TextRequest);
        request.Tokens = TextTokens.Tokenize(line);
        if (request.Tokens.Count == 0 || request.Tokens[0].Length < 2)
        {
            request.Reject(TextReply.Error);
            return request;
        }

        var command = request.Tokens[0];
        var n = request.Tokens.MemcachedCount;
        if (command[0] == (byte)'g')
        {
            ParseRetrieval(ref request, command, n);
        }
        else if (command.SequenceEqual("set"u8))
        {
            ParseStorage(ref request, TextCommandKind.Set, n, hasCas: false);
        }
        else if (command.SequenceEqual("add"u8))
        {
            ParseStorage(ref request, TextCommandKind.Add, n, hasCas: false);
        }
        else if (command.SequenceEqual("replace"u8))
        {
            ParseStorage(ref request, TextCommandKind.Replace, n, hasCas: false);
        }
        else if (command.SequenceEqual("append"u8))
        {
            ParseStorage(ref request, TextCommandKind.Append, n, hasCas: false);
        }
        else if (command.SequenceEqual("prepend"u8))
        {
            ParseStorage(ref request, TextCommandKind.Prepend, n, hasCas: false);
        }
        else if (command.SequenceEqual("cas"u8))
        {
            ParseStorage(ref request, TextCommandKind.Cas, n, hasCas: true);
        }
        else if (command.SequenceEqual("incr"u8))
        {
            ParseArithmetic(ref request, TextCommandKind.Incr, n);
        }
        else if (command.SequenceEqual("decr"u8))
        {
            ParseArithmetic(ref request, TextCommandKind.Decr, n);
        }
        else if (command.SequenceEqual("delete"u8))
        {
            ParseDelete(ref request, n);
        }
        else if (command.SequenceEqual("touch"u8))
        {
            ParseTouch(ref request, n);
        }
        else if (command.SequenceEqual("stats"u8))
        {
            request.Kind = TextCommandKind.Stats;
        }
        else if (command.SequenceEqual("bget"u8))
        {
            // memcached keeps this ancient alias of get for compatibility; so do we.
            if (n < 3)
            {
                request.Reject(TextReply.Error);
            }
            else
            {
                request.Kind = TextCommandKind.Get;
                request.FirstKeyToken = 1;
            }
        }
        else if (command.SequenceEqual("flush_all"u8))
        {
            ParseFlushAll(ref request, n);
        }
        else if (command.SequenceEqual("version"u8))
        {
            request.Kind = TextCommandKind.Version;
        }
        else if (command.SequenceEqual("quit"u8))
        {
            request.Kind = TextCommandKind.Quit;
        }
        else if (command.SequenceEqual("shutdown"u8))
        {
            ParseShutdown(ref request, n);
        }
        else if (command.SequenceEqual("verbosity"u8))
        {
            ParseVerbosity(ref request, n);
        }
        else if (command.SequenceEqual("lru_crawler"u8))
        {
            // The server checks the subcommand and its tokens (they depend on the crawler's state).
            request.Kind = TextCommandKind.LruCrawler;
        }
        else if (request.Tokens[request.Tokens.Count - 1].StartsWith("HTTP/"u8))
        {
            // memcached hangs up on what looks like an HTTP request line instead of answering ERROR.
            request.Kind = TextCommandKind.CloseSilently;
        }
        else
        {
            request.Reject(TextReply.Error);
        }

        return request;
    }

    private static void ParseRetrieval(ref TextRequest request, ReadOnlySpan<byte> command, int n)
    {
        TextCommandKind kind;
        if (n < 3)
        {
            request.Reject(TextReply.Error);
            return;
        }

        if (command.SequenceEqual("get"u8))
        {
            kind = TextCommandKind.Get;
        }
        else if (command.SequenceEqual("gets"u8))
        {
            kind = TextCommandKind.Gets;
        }
        else if (command.SequenceEqual("gat"u8))
        {
            kind = TextCommandKind.Gat;
        }
        else if (command.SequenceEqual("gats"u8))
        {
            kind = TextCommandKind.Gats;
        }
        else
        {
            request.Reject(TextReply.Error);
            return;
        }

        request.FirstKeyToken = 1;
        if (kind is TextCommandKind.Gat or TextCommandKind.Gats)
        {
            if (!AsciiNumber.TryParseInt32(request.Tokens[1], out request.Exptime))
            {
                request.Reject(TextReply.InvalidExptime);
                return;
            }

            // "gat 10" with no key is valid: memcached answers a bare END.
            request.FirstKeyToken = 2;
        }

        request.Kind = kind;
    }

    private static void ParseStorage(ref TextRequest request, TextCommandKind kind, int n, bool hasCas)
    {
        var expected = hasCas ? 7 : 6;
        if (n != expected && n != expected + 1)
        {
            request.Reject(TextReply.Error);
            return;
        }

        request.NoReply = request.Tokens.EndsWithNoReply;
        request.Key = request.Tokens[1];
        if (request.Key.Length > MaxKeyLength
            || !AsciiNumber.TryParseUInt32(request.Tokens[2], out request.ClientFlags)
            || !AsciiNumber.TryParseInt32(request.Tokens[3], out request.Exptime)
            || !AsciiNumber.TryParseInt32(request.Tokens[4], out request.DataLength)
            || (hasCas && !AsciiNumber.TryParseUInt64(request.Tokens[5], out request.CompareCas))
            || request.DataLength < 0
            || request.DataLength > int.MaxValue - 2)
        {
            request.Reject(TextReply.BadCommandLineFormat);
            return;
        }

        request.Kind = kind;
    }

    private static void ParseArithmetic(ref TextRequest request, TextCommandKind kind, int n)
    {
        if (!TryParseKeyAndNumber(ref request, n))
        {
            return;
        }

        if (!AsciiNumber.TryParseUInt64(request.Tokens[2], out request.Delta))
        {
            request.Reject(TextReply.InvalidDelta);
            return;
        }

        request.Kind = kind;
    }

    private static void ParseDelete(ref TextRequest request, int n)
    {
        if (n < 3 || n > 5)
        {
            request.Reject(TextReply.Error);
            return;
        }

        if (n > 3)
        {
            // Only the legacy "delete key 0" hold time and noreply may follow the key.
            var holdIsZero = request.Tokens[2].SequenceEqual("0"u8);
            request.NoReply = request.Tokens.EndsWithNoReply;
            var valid = (n == 4 && (holdIsZero || request.NoReply)) || (n == 5 && holdIsZero && request.NoReply);
            if (!valid)
            {
                request.Reject(TextReply.DeleteUsage);
                return;
            }
        }

        request.Key = request.Tokens[1];
        if (request.Key.Length > MaxKeyLength)
        {
            request.Reject(TextReply.BadCommandLineFormat);
            return;
        }

        request.Kind = TextCommandKind.Delete;
    }

    private static void ParseTouch(ref TextRequest request, int n)
    {
        if (!TryParseKeyAndNumber(ref request, n))
        {
            return;
        }

        if (!AsciiNumber.TryParseInt32(request.Tokens[2], out request.Exptime))
        {
            request.Reject(TextReply.InvalidExptime);
            return;
        }

        request.Kind = TextCommandKind.Touch;
    }

    /// <summary>
    /// The checks incr, decr and touch ("command key number [noreply]") share before their number: four or five
    /// tokens (else ERROR), the noreply marker, then the key's length. False when the request was rejected.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool TryParseKeyAndNumber(ref TextRequest request, int n)
    {
        if (n != 4 && n != 5)
        {
            request.Reject(TextReply.Error);
            return false;
        }

        request.NoReply = request.Tokens.EndsWithNoReply;
        request.Key = request.Tokens[1];
        if (request.Key.Length > MaxKeyLength)
        {
            request.Reject(TextReply.BadCommandLineFormat);
            return false;
        }

        return true;
    }

    private static void ParseFlushAll(ref TextRequest request, int n)
    {
        if (n < 2 || n > 4)
        {
            request.Reject(TextReply.Error);
            return;
        }

        request.NoReply = request.Tokens.EndsWithNoReply;
        request.Kind = TextCommandKind.FlushAll;
        if (n != (request.NoReply ? 3 : 2) && !AsciiNumber.TryParseInt32(request.Tokens[1], out request.Exptime))
        {
            // Reported after the -F check: a disabled flush_all says "not allowed" whatever its delay.
            request.DeferredError = TextReply.InvalidExptime;
        }
    }

    private static void ParseShutdown(ref TextRequest request, int n)
    {
        request.Kind = TextCommandKind.Shutdown;
        if (n == 3 && request.Tokens[1].SequenceEqual("graceful"u8))
        {
            request.Graceful = true;
        }
        else if (n != 2)
        {
            // Reported only when shutdown is enabled (-A); otherwise "not enabled" wins.
            request.DeferredError = TextReply.InvalidShutdownMode;
        }
    }

    private static void ParseVerbosity(ref TextRequest request, int n)
    {
        if (n != 3 && n != 4)
        {
            request.Reject(TextReply.Error);
            return;
        }

        request.NoReply = request.Tokens.EndsWithNoReply;
        if (!AsciiNumber.TryParseUInt32(request.Tokens[1], out var level))
        {
            request.Reject(TextReply.BadCommandLineFormat);
            return;
        }

        request.Delta = level;
        request.Kind = TextCommandKind.Verbosity;
    }
}
