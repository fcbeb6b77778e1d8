using System.Buffers;
using System.Buffers.Text;
using System.Text;

namespace Moat.Client.Protocol;

/// <summary>Line-level parsing of server responses, shared by the meta and text operations.</summary>
internal static class ResponseParsing
{
    /// <summary>Longest response line accepted; anything longer means the stream is not memcached's.</summary>
    public const int MaxLineLength = 8192;

    /// <summary>Reads one CRLF-terminated line without the CRLF; false (nothing consumed) when incomplete.</summary>
    public static bool TryReadLine(ref SequenceReader<byte> reader, out ReadOnlySequence<byte> line)
    {
        if (reader.TryReadTo(out line, "\r\n"u8, advancePastDelimiter: true))
        {
            return true;
        }

        if (reader.Remaining > MaxLineLength)
        {
            throw new MoatProtocolException("Response line longer than " + MaxLineLength + " bytes.");
        }

        return false;
    }

    /// <summary>The line as one span, copied into <paramref name="scratch"/> only if it spans segments.</summary>
    public static ReadOnlySpan<byte> Flatten(scoped in ReadOnlySequence<byte> line, Span<byte> scratch)
    {
        if (line.IsSingleSegment)
        {
            return line.FirstSpan;
        }

        if (line.Length > scratch.Length)
        {
            throw new MoatProtocolException("Response line too long.");
        }

        line.CopyTo(scratch);
        return scratch[..(int)line.Length];
    }

    /// <summary>Next space-separated token; false at the end of the line.</summary>
    public static bool NextToken(scoped ref ReadOnlySpan<byte> line, out ReadOnlySpan<byte> token)
    {
        while (line.Length > 0 && line[0] == (byte)' ')
        {
            line = line[1..];
        }

        if (line.Length == 0)
        {
            token = default;
            return false;
        }

        var end = line.IndexOf((byte)' ');
        if (end < 0)
        {
            token = line;
            line = default;
        }
        else
        {
            token = line[..end];
            line = line[end..];
        }

        return true;
    }

    public static ResponseCode Classify(ReadOnlySpan<byte> token)
    {
        if (token.Length > 0 && token[0] is >= (byte)'0' and <= (byte)'9')
        {
            return ResponseCode.Number;
        }

        if (token.Length == 2)
        {
            return (token[0], token[1]) switch
            {
                ((byte)'V', (byte)'A') => ResponseCode.Value,
                ((byte)'H', (byte)'D') => ResponseCode.Hit,
                ((byte)'E', (byte)'N') => ResponseCode.Miss,
                ((byte)'N', (byte)'F') => ResponseCode.NotFound,
                ((byte)'N', (byte)'S') => ResponseCode.NotStored,
                ((byte)'E', (byte)'X') => ResponseCode.Exists,
                ((byte)'M', (byte)'N') => ResponseCode.NoOp,
                _ => ResponseCode.Unknown,
            };
        }

        return token switch
        {
            _ when token.SequenceEqual("VALUE"u8) => ResponseCode.Value,
            _ when token.SequenceEqual("END"u8) => ResponseCode.End,
            _ when token.SequenceEqual("STORED"u8) => ResponseCode.Stored,
            _ when token.SequenceEqual("NOT_STORED"u8) => ResponseCode.NotStored,
            _ when token.SequenceEqual("EXISTS"u8) => ResponseCode.Exists,
            _ when token.SequenceEqual("NOT_FOUND"u8) => ResponseCode.NotFound,
            _ when token.SequenceEqual("DELETED"u8) => ResponseCode.Deleted,
            _ when token.SequenceEqual("TOUCHED"u8) => ResponseCode.Touched,
            _ when token.SequenceEqual("STAT"u8) => ResponseCode.Stat,
            _ when token.SequenceEqual("ERROR"u8) => ResponseCode.Error,
            _ when token.SequenceEqual("CLIENT_ERROR"u8) => ResponseCode.ClientError,
            _ when token.SequenceEqual("SERVER_ERROR"u8) => ResponseCode.ServerError,
            _ => ResponseCode.Unknown,
        };
    }

    public static bool IsError(ResponseCode code) =>
        code is ResponseCode.Error or ResponseCode.ClientError or ResponseCode.ServerError;

    /// <summary>The exception an ERROR/CLIENT_ERROR/SERVER_ERROR line turns into (the connection stays in sync).</summary>
    public static MoatClientException ErrorFromLine(ReadOnlySpan<byte> line, string server) =>
        new("Server " + server + " answered: " + Encoding.ASCII.GetString(line)) { Server = server };

    public static ulong ParseUInt64(ReadOnlySpan<byte> token)
    {
        if (!Utf8Parser.TryParse(token, out ulong value, out var consumed) || consumed != token.Length)
        {
            throw new MoatProtocolException("Expected a number, got \"" + Encoding.ASCII.GetString(token) + "\".");
        }

        return value;
    }

    public static long ParseInt64(ReadOnlySpan<byte> token)
    {
        if (!Utf8Parser.TryParse(token, out long value, out var consumed) || consumed != token.Length)
        {
            throw new MoatProtocolException("Expected a number, got \"" + Encoding.ASCII.GetString(token) + "\".");
        }

        return value;
    }

    /// <summary>True when <paramref name="length"/> data bytes plus CRLF are available.</summary>
    public static bool HasData(in SequenceReader<byte> reader, long length) => reader.Remaining >= length + 2;

    /// <summary>
    /// Takes a data block and its CRLF when all of it has arrived; otherwise rewinds the reader to
    /// <paramref name="lineStart"/> (the start of the header line) so the whole answer is parsed again later.
    /// </summary>
    public static bool TryTakeData(ref SequenceReader<byte> reader, long lineStart, long length, out ReadOnlySequence<byte> data)
    {
        if (!HasData(reader, length))
        {
            reader.Rewind(reader.Consumed - lineStart);
            data = default;
            return false;
        }

        data = TakeData(ref reader, length);
        return true;
    }

    /// <summary>Takes the data block and its CRLF; the caller checked <see cref="HasData"/>.</summary>
    public static ReadOnlySequence<byte> TakeData(ref SequenceReader<byte> reader, long length)
    {
        var data = reader.UnreadSequence.Slice(0, length);
        reader.Advance(length);
        if (!reader.IsNext("\r\n"u8, advancePast: true))
        {
            throw new MoatProtocolException("Data block not terminated by CRLF.");
        }

        return data;
    }
}
