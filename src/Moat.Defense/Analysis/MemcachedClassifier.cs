using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Text;

namespace Moat.Defense.Analysis;

/// <summary>
/// Decides (docs/defense.md#classifying-requests-and-responses) whether a UDP payload is a memcached request or
/// response by the frame header and the first bytes after it. Works on what was captured (snaplen 96 is enough) and
/// never allocates.
/// </summary>
internal static class MemcachedClassifier
{
    private const int HeaderLength = 8;
    private const int MaxCommandLength = 16;

    private static readonly string[] BinaryCommandNames = CreateBinaryNames();

    private static readonly (byte[] Token, string Name, CommandClass Class)[] KnownCommands =
    [
        Known("get", CommandClass.Retrieval),
        Known("gets", CommandClass.Retrieval),
        Known("gat", CommandClass.Retrieval),
        Known("gats", CommandClass.Retrieval),
        Known("mg", CommandClass.Retrieval),
        Known("stats", CommandClass.Stats),
        Known("set", CommandClass.Write),
        Known("add", CommandClass.Write),
        Known("replace", CommandClass.Write),
        Known("append", CommandClass.Write),
        Known("prepend", CommandClass.Write),
        Known("cas", CommandClass.Write),
        Known("incr", CommandClass.Write),
        Known("decr", CommandClass.Write),
        Known("delete", CommandClass.Write),
        Known("touch", CommandClass.Write),
        Known("ms", CommandClass.Write),
        Known("md", CommandClass.Write),
        Known("ma", CommandClass.Write),
        Known("flush_all", CommandClass.Flush),
        Known("version", CommandClass.Version),
    ];

    /// <summary>Reply starts (text, meta and TOKEN replies) that a first response datagram may carry.</summary>
    private static readonly byte[][] ReplyPrefixes =
    [
        .. new[]
        {
            "VALUE ", "END", "STAT ", "ERROR", "CLIENT_ERROR", "SERVER_ERROR", "STORED", "NOT_STORED", "EXISTS",
            "NOT_FOUND", "DELETED", "TOUCHED", "OK", "VERSION ", "VA ", "EN", "HD", "NF", "NS", "EX", "MN", "RESET",
            "TOKEN ",
        }.Select(Encoding.ASCII.GetBytes),
    ];

    /// <summary>MREQ: destination port is memcached's, ≥ 9 bytes, seq 0, total 1, and a command-like start.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static bool TryClassifyRequest(ReadOnlySpan<byte> captured, int payloadLength, out MemcachedRequest request)
    {
        request = default;
        if (payloadLength <= HeaderLength || captured.Length <= HeaderLength)
        {
            return false;
        }

        var sequence = BinaryPrimitives.ReadUInt16BigEndian(captured[2..]);
        var total = BinaryPrimitives.ReadUInt16BigEndian(captured[4..]);
        if (sequence != 0 || total != 1)
        {
            return false;
        }

        var requestId = BinaryPrimitives.ReadUInt16BigEndian(captured);
        var reservedNonZero = BinaryPrimitives.ReadUInt16BigEndian(captured[6..]) != 0;
        var body = captured[HeaderLength..];
        var hasToken = false;
        if (body.StartsWith("@tok "u8))
        {
            var lineEnd = body.IndexOf((byte)'\n');
            if (lineEnd < 0 || lineEnd + 1 >= body.Length)
            {
                // The command after the token line was not captured: still a request, class unknown.
                request = new MemcachedRequest(requestId, "@tok", CommandClass.Other, reservedNonZero, true);
                return true;
            }

            body = body[(lineEnd + 1)..];
            hasToken = true;
        }

        if (body[0] == 0x80)
        {
            var opcode = body.Length > 1 ? body[1] : -1;
            var name = opcode >= 0 ? BinaryCommandNames[opcode] : "bin:?";
            request = new MemcachedRequest(requestId, name, BinaryClass(opcode), reservedNonZero, hasToken);
            return true;
        }

        var length = 0;
        while (length < body.Length && length <= MaxCommandLength && IsCommandByte(body[length]))
        {
            length++;
        }

        // A command is 1-16 letters/underscores followed by a separator (or the end of what was captured).
        if (length == 0 || length > MaxCommandLength)
        {
            return false;
        }

        if (length < body.Length && body[length] is not ((byte)' ' or (byte)'\r' or (byte)'\n'))
        {
            return false;
        }

        var token = body[..length];
        foreach (var (known, name, commandClass) in KnownCommands)
        {
            if (token.SequenceEqual(known))
            {
                request = new MemcachedRequest(requestId, name, commandClass, reservedNonZero, hasToken);
                return true;
            }
        }

        request = new MemcachedRequest(requestId, "other", CommandClass.Other, reservedNonZero, hasToken);
        return true;
    }

    /// <summary>MRSP: ≥ 8 bytes, seq &lt; total (or the 8-byte quiet ack), reserved 0, a reply-like first datagram.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static bool TryClassifyResponse(ReadOnlySpan<byte> captured, int payloadLength, out MemcachedResponse response)
    {
        response = default;
        if (payloadLength < HeaderLength || captured.Length < HeaderLength)
        {
            return false;
        }

        var requestId = BinaryPrimitives.ReadUInt16BigEndian(captured);
        var sequence = BinaryPrimitives.ReadUInt16BigEndian(captured[2..]);
        var total = BinaryPrimitives.ReadUInt16BigEndian(captured[4..]);
        if (BinaryPrimitives.ReadUInt16BigEndian(captured[6..]) != 0)
        {
            return false;
        }

        if (total == 0)
        {
            if (payloadLength != HeaderLength)
            {
                return false;
            }

            response = new MemcachedResponse(requestId, sequence, total);
            return true;
        }

        if (sequence >= total || payloadLength == HeaderLength)
        {
            return false;
        }

        if (sequence == 0 && captured.Length > HeaderLength && !LooksLikeReply(captured[HeaderLength..]))
        {
            return false;
        }

        response = new MemcachedResponse(requestId, sequence, total);
        return true;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static bool LooksLikeReply(ReadOnlySpan<byte> body)
    {
        if (body[0] == 0x81 || char.IsAsciiDigit((char)body[0]))
        {
            // Binary response magic, or an incr/decr result.
            return true;
        }

        foreach (var prefix in ReplyPrefixes)
        {
            var length = Math.Min(prefix.Length, body.Length);
            if (body[..length].SequenceEqual(prefix.AsSpan(0, length)))
            {
                return true;
            }
        }

        return false;
    }

    private static bool IsCommandByte(byte value) => value is (>= (byte)'a' and <= (byte)'z') or (byte)'_';

    private static CommandClass BinaryClass(int opcode) => opcode switch
    {
        0x00 or 0x09 or 0x0C or 0x0D or 0x1D or 0x1E or 0x23 or 0x24 => CommandClass.Retrieval,
        0x10 => CommandClass.Stats,
        0x08 or 0x18 => CommandClass.Flush,
        0x0B => CommandClass.Version,
        (>= 0x01 and <= 0x06) or 0x0E or 0x0F or (>= 0x11 and <= 0x16) or 0x19 or 0x1A or 0x1C => CommandClass.Write,
        _ => CommandClass.Other,
    };

    private static (byte[] Token, string Name, CommandClass Class) Known(string name, CommandClass commandClass) =>
        (Encoding.ASCII.GetBytes(name), name, commandClass);

    private static string[] CreateBinaryNames()
    {
        var names = new string[256];
        for (var i = 0; i < names.Length; i++)
        {
            names[i] = $"bin:0x{i:x2}";
        }

        return names;
    }
}
