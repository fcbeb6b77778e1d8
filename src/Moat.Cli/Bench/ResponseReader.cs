using System.Buffers.Binary;
using System.Text;

namespace Moat.Cli.Bench;

/// <summary>
/// Incremental parser of the responses to get and set, in the text protocol (STORED, VALUE ... END), the meta
/// protocol (HD, VA ..., EN) or binary frames. Only lines and frame headers are kept in the buffer: value data is
/// skipped as it arrives, so any value size works with a fixed 64 KiB buffer.
/// </summary>
internal sealed class ResponseReader(BenchProtocol protocol)
{
    private const int BufferSize = 64 * 1024;

    private const int BinaryHeaderLength = 24;

    private static ReadOnlySpan<byte> Stored => "STORED"u8;

    private static ReadOnlySpan<byte> End => "END"u8;

    private static ReadOnlySpan<byte> ValuePrefix => "VALUE "u8;

    private static ReadOnlySpan<byte> MetaStored => "HD"u8;

    private static ReadOnlySpan<byte> MetaMiss => "EN"u8;

    private static ReadOnlySpan<byte> MetaValuePrefix => "VA "u8;

    private readonly byte[] _buffer = new byte[BufferSize];
    private int _start;
    private int _end;

    // Bytes of a value data block (plus its CRLF) still to be discarded.
    private long _skip;

    // Bytes of a binary frame's extras and key, discarded unchecked before its value.
    private long _discard;

    // True after a VALUE header: the next line must be END to complete the hit.
    private bool _awaitingEnd;

    // The response that is complete once the skipped bytes are gone (meta VA, binary frames).
    private ResponseKind? _completeAfterSkip;

    // Verification of the data block being skipped: position in it, and whether a byte differed.
    private int _dataOffset;
    private bool _mismatch;

    /// <summary>
    /// The exact data block (value and CRLF) the next hit must carry, or empty to skip data unchecked. Set by the
    /// caller before parsing each reply to a get.
    /// </summary>
    public ReadOnlyMemory<byte> ExpectedData { get; set; }

    public ResponseReader()
        : this(BenchProtocol.Text)
    {
    }

    /// <summary>The first unexpected line seen, kept for the report (allocates once, only on errors).</summary>
    public string? FirstErrorLine { get; private set; }

    /// <summary>Space to receive into; compacts the buffer first so a partial line moves to the front.</summary>
    public Memory<byte> FreeSpace()
    {
        if (_start == _end)
        {
            _start = 0;
            _end = 0;
        }
        else if (_end == _buffer.Length)
        {
            if (_start == 0)
            {
                throw new InvalidDataException($"Server sent a line longer than {BufferSize} bytes.");
            }

            Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
            _end -= _start;
            _start = 0;
        }

        return _buffer.AsMemory(_end);
    }

    public void Advance(int received) => _end += received;

    /// <summary>Parses one complete response if the buffer holds one; false means "receive more".</summary>
    public bool TryParse(out ResponseKind kind)
    {
        while (true)
        {
            if (_discard > 0)
            {
                var discarded = (int)Math.Min(_discard, _end - _start);
                _start += discarded;
                _discard -= discarded;
                if (_discard > 0)
                {
                    kind = default;
                    return false;
                }
            }

            if (_skip > 0)
            {
                var available = _end - _start;
                var take = (int)Math.Min(_skip, available);
                if (!ExpectedData.IsEmpty && !_mismatch)
                {
                    var expected = ExpectedData.Span.Slice(_dataOffset, take);
                    _mismatch = !_buffer.AsSpan(_start, take).SequenceEqual(expected);
                }

                _dataOffset += take;
                _start += take;
                _skip -= take;
                if (_skip > 0)
                {
                    kind = default;
                    return false;
                }
            }

            if (_completeAfterSkip is { } complete)
            {
                _completeAfterSkip = null;
                kind = complete == ResponseKind.Hit && _mismatch ? ResponseKind.Mismatch : complete;
                return true;
            }

            if (protocol == BenchProtocol.Binary)
            {
                if (!TryStartBinaryFrame(out kind))
                {
                    return false;
                }

                if (_completeAfterSkip is null)
                {
                    return true;
                }

                continue;
            }

            var data = _buffer.AsSpan(_start, _end - _start);
            var newline = data.IndexOf((byte)'\n');
            if (newline < 0)
            {
                kind = default;
                return false;
            }

            var line = data[..newline];
            if (line.Length > 0 && line[^1] == (byte)'\r')
            {
                line = line[..^1];
            }

            _start += newline + 1;

            if (_awaitingEnd)
            {
                _awaitingEnd = false;
                if (line.SequenceEqual(End))
                {
                    kind = _mismatch ? ResponseKind.Mismatch : ResponseKind.Hit;
                    return true;
                }

                NoteError(line);
                kind = ResponseKind.Error;
                return true;
            }

            if (protocol == BenchProtocol.Meta)
            {
                if (TryMetaLine(line, out kind))
                {
                    return true;
                }

                continue;
            }

            if (line.SequenceEqual(Stored))
            {
                kind = ResponseKind.Stored;
                return true;
            }

            if (line.SequenceEqual(End))
            {
                kind = ResponseKind.Miss;
                return true;
            }

            if (line.StartsWith(ValuePrefix) && TryParseDataLength(line, out var length))
            {
                BeginValue(length, length + 2);
                _awaitingEnd = true;
                continue;
            }

            NoteError(line);
            kind = ResponseKind.Error;
            return true;
        }
    }

    /// <summary>HD and EN answer by themselves; "VA &lt;length&gt;" starts a data block that completes a hit.</summary>
    private bool TryMetaLine(ReadOnlySpan<byte> line, out ResponseKind kind)
    {
        kind = ResponseKind.Error;
        if (line.SequenceEqual(MetaStored))
        {
            kind = ResponseKind.Stored;
            return true;
        }

        if (line.SequenceEqual(MetaMiss))
        {
            kind = ResponseKind.Miss;
            return true;
        }

        if (line.StartsWith(MetaValuePrefix) && TryParseToken(line, 1, out var length))
        {
            BeginValue(length, length + 2);
            _completeAfterSkip = ResponseKind.Hit;
            return false;
        }

        NoteError(line);
        return true;
    }

    /// <summary>
    /// Reads a 24-byte response header once it is complete. Success with no body is a stored SET; success with a
    /// body is a GET hit (flags and key discarded, value checked); KEY_ENOENT is a miss; anything else an error.
    /// Returns false when the header has not arrived yet.
    /// </summary>
    private bool TryStartBinaryFrame(out ResponseKind kind)
    {
        kind = default;
        if (_end - _start < BinaryHeaderLength)
        {
            return false;
        }

        var header = _buffer.AsSpan(_start, BinaryHeaderLength);
        _start += BinaryHeaderLength;
        var keyLength = BinaryPrimitives.ReadUInt16BigEndian(header[2..]);
        var extrasLength = header[4];
        var status = BinaryPrimitives.ReadUInt16BigEndian(header[6..]);
        long bodyLength = BinaryPrimitives.ReadUInt32BigEndian(header[8..]);
        if (header[0] != 0x81)
        {
            throw new InvalidDataException($"Server sent a binary frame with magic 0x{header[0]:x2}, not a response.");
        }

        const ushort success = 0x0000, keyNotFound = 0x0001;
        if (status == success && header[1] == 0x00)
        {
            var valueLength = bodyLength - extrasLength - keyLength;
            _discard = extrasLength + keyLength;
            BeginValue(valueLength, valueLength);
            _completeAfterSkip = ResponseKind.Hit;
            return true;
        }

        _discard = bodyLength;
        kind = status switch
        {
            success => ResponseKind.Stored,
            keyNotFound => ResponseKind.Miss,
            _ => ResponseKind.Error,
        };
        if (kind == ResponseKind.Error)
        {
            FirstErrorLine ??= $"binary status 0x{status:x4} to opcode 0x{header[1]:x2}";
        }

        // The body (a miss's "Not found" text) is discarded before the next frame.
        _completeAfterSkip = bodyLength > 0 ? kind : null;
        return true;
    }

    /// <summary>Starts skipping a value of <paramref name="valueLength"/> bytes, <paramref name="skipLength"/> with its terminator.</summary>
    private void BeginValue(long valueLength, long skipLength)
    {
        _skip = skipLength;
        _dataOffset = 0;
        _mismatch = !ExpectedData.IsEmpty && ExpectedData.Length != valueLength + 2;
    }

    // "VALUE <key> <flags> <bytes> [<cas>]": the fourth token is the data length.
    private static bool TryParseDataLength(ReadOnlySpan<byte> line, out long length) => TryParseToken(line, 3, out length);

    /// <summary>The non-negative number in token <paramref name="index"/> (0-based) of a reply line.</summary>
    private static bool TryParseToken(ReadOnlySpan<byte> line, int index, out long length)
    {
        length = 0;
        var token = 0;
        var i = 0;
        while (i < line.Length)
        {
            while (i < line.Length && line[i] == (byte)' ')
            {
                i++;
            }

            var tokenStart = i;
            while (i < line.Length && line[i] != (byte)' ')
            {
                i++;
            }

            if (i == tokenStart)
            {
                break;
            }

            if (token == index)
            {
                return System.Buffers.Text.Utf8Parser.TryParse(line[tokenStart..i], out length, out var consumed)
                    && consumed == i - tokenStart && length >= 0;
            }

            token++;
        }

        return false;
    }

    private void NoteError(ReadOnlySpan<byte> line) => FirstErrorLine ??= Encoding.ASCII.GetString(line);
}
