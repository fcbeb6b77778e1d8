using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using Moat.Defense.Capture;
using Moat.Defense.Decoding;

namespace Moat.Defense.Flows.Nfcapd;

/// <summary>
/// Reads the flow files nfcapd writes (nfdump 1.7, file layout 2): a 40-byte header, then data blocks of
/// records, uncompressed, LZO or LZ4 compressed. Only V3 flow records are read (the only kind nfcapd 1.7
/// writes); their counters are taken as stored, since nfcapd already multiplied them by the sampling rate it
/// knew of. Streaming, no seeking (pipes and gzip work); a damaged block ends the file with a warning.
/// Layout written from nfdump's nffileV2.h/nfxV3.h (github.com/phaag/nfdump, v1.7.1); integers are in the
/// writer's byte order, which is little-endian on every platform nfdump is packaged for.
/// </summary>
internal sealed class NfcapdReader
{
    public const ushort Magic = 0xA50C;

    private const int FileHeaderLength = 40;
    private const int BlockHeaderLength = 12;

    /// <summary>nfdump's read buffer (BUFFSIZE, 5 MB): no block it writes is larger, compressed or not.</summary>
    private const int MaxBlockLength = 5 * 1024 * 1024;

    private const int DataBlockV3 = 3;
    private const int ArrayBlock = 4;
    private const ushort BlockUncompressed = 0x1;
    private const int RecordHeaderLength = 4;
    private const int V3HeaderLength = 12;
    private const int V3Record = 11;
    private const int ElementHeaderLength = 4;
    private const int GenericFlowElement = 1;
    private const int Ipv4FlowElement = 2;
    private const int Ipv6FlowElement = 3;
    private const int CounterFlowElement = 5;
    private const long NanosPerMilli = 1_000_000;

    private readonly InputBuffer _input;
    private readonly FlowStatistics _statistics;
    private readonly int _compression;
    private readonly uint _dataBlocks;
    private byte[]? _expanded;
    private byte[] _block = [];
    private int _blockLength;
    private int _offset;
    private int _recordsLeft;
    private uint _blocksRead;
    private bool _finished;
    private FlowRecord _pending;
    private bool _hasPending;

    public NfcapdReader(InputBuffer input, FlowStatistics statistics)
    {
        _input = input;
        _statistics = statistics;
        var header = input.PeekFileHeader(FileHeaderLength, "nfcapd");
        var magic = BinaryPrimitives.ReadUInt16LittleEndian(header);
        if (magic != Magic)
        {
            throw new CaptureFormatException(magic == 0x0CA5 ? "nfcapd file written on a big-endian machine: not supported" : "not an nfcapd file");
        }

        var layout = BinaryPrimitives.ReadUInt16LittleEndian(header[2..]);
        if (layout != 2)
        {
            throw new CaptureFormatException($"nfcapd file layout {layout} (nfdump 1.6 or older) is not supported: convert it with nfdump 1.7 (nfdump -r OLD -w NEW)");
        }

        _compression = header[16];
        if (_compression is 2 or > 3)
        {
            var name = _compression == 2 ? "bzip2" : $"method {_compression}";
            throw new CaptureFormatException($"nfcapd file compressed with {name}: only uncompressed, LZO and LZ4 files are read; convert with 'nfdump -J 0 -r FILE'");
        }

        if (header[17] != 0)
        {
            throw new CaptureFormatException("encrypted nfcapd file: not supported");
        }

        // Blocks after NumBlocks are the appendix (ident and statistics); 0 while nfcapd is still writing the file.
        _dataBlocks = BinaryPrimitives.ReadUInt32LittleEndian(header[36..]);
        CompressionName = _compression switch
        {
            1 => "lzo",
            3 => "lz4",
            _ => "none",
        };
        input.Advance(FileHeaderLength);
    }

    public string CompressionName { get; }

    /// <summary>Bytes consumed so far.</summary>
    public long Position => _input.Position;

    /// <summary>Reads the next flow; false at the end of the file or where it stops being readable (see warnings).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public bool TryRead(out FlowRecord flow)
    {
        if (_hasPending)
        {
            _hasPending = false;
            flow = _pending;
            return true;
        }

        while (true)
        {
            while (_recordsLeft > 0 && _blockLength - _offset >= RecordHeaderLength)
            {
                var rest = _block.AsSpan(_offset, _blockLength - _offset);
                int type = BinaryPrimitives.ReadUInt16LittleEndian(rest);
                int size = BinaryPrimitives.ReadUInt16LittleEndian(rest[2..]);
                _recordsLeft--;
                if (size < RecordHeaderLength || size > rest.Length)
                {
                    _statistics.Warnings.Add("nfcapd_corrupt_record", $"a record with an impossible size ended its block early (first: size {size}, {rest.Length} bytes left, block {_blocksRead})");
                    _recordsLeft = 0;
                    break;
                }

                _offset += size;
                if (type == V3Record && TryDecodeV3(rest[..size], out flow))
                {
                    return true;
                }
            }

            if (!TryReadBlock())
            {
                flow = default;
                return false;
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private bool TryDecodeV3(ReadOnlySpan<byte> record, out FlowRecord flow)
    {
        flow = default;
        if (record.Length < V3HeaderLength)
        {
            _statistics.Reject("nfcapd_corrupt_record", "V3 records shorter than their header were skipped");
            return false;
        }

        int elements = BinaryPrimitives.ReadUInt16LittleEndian(record[4..]);
        var position = V3HeaderLength;
        ReadOnlySpan<byte> generic = default;
        ReadOnlySpan<byte> counters = default;
        var hasAddresses = false;
        for (var i = 0; i < elements; i++)
        {
            if (record.Length - position < ElementHeaderLength)
            {
                break;
            }

            int type = BinaryPrimitives.ReadUInt16LittleEndian(record[position..]);
            int length = BinaryPrimitives.ReadUInt16LittleEndian(record[(position + 2)..]);
            if (length < ElementHeaderLength || length > record.Length - position)
            {
                _statistics.Reject("nfcapd_corrupt_record", "V3 records with an element running past the record were skipped");
                return false;
            }

            var data = record.Slice(position + ElementHeaderLength, length - ElementHeaderLength);
            position += length;
            switch (type)
            {
                case GenericFlowElement when data.Length >= 45:
                    generic = data;
                    break;
                case Ipv4FlowElement when data.Length >= 8:
                    flow.Source = IpKey.FromV4(BinaryPrimitives.ReadUInt32LittleEndian(data));
                    flow.Destination = IpKey.FromV4(BinaryPrimitives.ReadUInt32LittleEndian(data[4..]));
                    hasAddresses = true;
                    break;
                case Ipv6FlowElement when data.Length >= 32:
                    // Each address is two 64-bit words, most significant first, each in host byte order.
                    flow.Source = new IpKey(BinaryPrimitives.ReadUInt64LittleEndian(data), BinaryPrimitives.ReadUInt64LittleEndian(data[8..]));
                    flow.Destination = new IpKey(BinaryPrimitives.ReadUInt64LittleEndian(data[16..]), BinaryPrimitives.ReadUInt64LittleEndian(data[24..]));
                    flow.IsV6 = true;
                    hasAddresses = true;
                    break;
                case CounterFlowElement when data.Length >= 24:
                    counters = data;
                    break;
                default:
                    break;
            }
        }

        if (generic.IsEmpty)
        {
            _statistics.Reject("flow_no_counters", "V3 records without the generic flow element (times, counters, ports) were skipped");
            return false;
        }

        if (!hasAddresses)
        {
            _statistics.Reject("flow_no_address", "V3 records without IPv4 or IPv6 addresses were skipped");
            return false;
        }

        var first = BinaryPrimitives.ReadUInt64LittleEndian(generic);
        var last = BinaryPrimitives.ReadUInt64LittleEndian(generic[8..]);
        if (first == 0 && last == 0)
        {
            first = last = BinaryPrimitives.ReadUInt64LittleEndian(generic[16..]);
        }

        if (first > long.MaxValue / NanosPerMilli || last > long.MaxValue / NanosPerMilli)
        {
            _statistics.Reject("flow_absurd_time", "flow records with timestamps out of range were skipped");
            return false;
        }

        flow.StartNs = (long)first * NanosPerMilli;
        flow.EndNs = (long)last * NanosPerMilli;
        flow.SourcePort = BinaryPrimitives.ReadUInt16LittleEndian(generic[40..]);
        flow.DestinationPort = BinaryPrimitives.ReadUInt16LittleEndian(generic[42..]);
        flow.Protocol = generic[44];
        var packets = BinaryPrimitives.ReadUInt64LittleEndian(generic[24..]);
        var bytes = BinaryPrimitives.ReadUInt64LittleEndian(generic[32..]);
        var outPackets = counters.IsEmpty ? 0 : BinaryPrimitives.ReadUInt64LittleEndian(counters[8..]);
        var forward = (packets > 0 || outPackets == 0) && FlowSanity.TryFinish(ref flow, packets, bytes, 1, _statistics);
        if (outPackets > 0)
        {
            // A bidirectional record: the out counters are the reply, destination -> source.
            var reverse = flow.Reversed((long)first * NanosPerMilli, (long)last * NanosPerMilli);
            if (FlowSanity.TryFinish(ref reverse, outPackets, BinaryPrimitives.ReadUInt64LittleEndian(counters[16..]), 1, _statistics))
            {
                if (!forward)
                {
                    flow = reverse;
                    return true;
                }

                _pending = reverse;
                _hasPending = true;
            }
        }

        return forward;
    }

    private bool TryReadBlock()
    {
        while (true)
        {
            if (_finished || (_dataBlocks > 0 && _blocksRead >= _dataBlocks))
            {
                return false;
            }

            var start = _input.Position;
            if (!_input.Ensure(BlockHeaderLength, _statistics.Warnings))
            {
                if (_input.Available == 0 && _dataBlocks > 0)
                {
                    _statistics.Warnings.Add("truncated", $"the file ended after {_blocksRead} of its {_dataBlocks} blocks");
                }

                _finished = true;
                return false;
            }

            var header = _input.Peek(BlockHeaderLength);
            var records = BinaryPrimitives.ReadUInt32LittleEndian(header);
            var size = BinaryPrimitives.ReadUInt32LittleEndian(header[4..]);
            int type = BinaryPrimitives.ReadUInt16LittleEndian(header[8..]);
            var flags = BinaryPrimitives.ReadUInt16LittleEndian(header[10..]);
            if (size == 0 || size > MaxBlockLength)
            {
                _statistics.Warnings.Add("corrupt", $"implausible block size {size} at byte {start}; stopped reading");
                _finished = true;
                return false;
            }

            if (!_input.Ensure(BlockHeaderLength + (int)size, _statistics.Warnings))
            {
                _finished = true;
                return false;
            }

            _blocksRead++;
            var body = _input.Peek(BlockHeaderLength + (int)size)[BlockHeaderLength..];
            if (type != DataBlockV3)
            {
                // Array blocks hold nbar/interface names; types 1 and 2 are nfdump 1.6 records: nothing detect reads.
                if (type != ArrayBlock)
                {
                    _statistics.Warnings.Add("nfcapd_block_type", $"blocks of a type other than 3 (V3 records) were skipped (first: type {type} at byte {start})");
                }

                _input.Advance(BlockHeaderLength + (int)size);
                continue;
            }

            var compressed = _compression != 0 && (flags & BlockUncompressed) == 0;
            if (compressed)
            {
                _expanded ??= new byte[MaxBlockLength];
                var length = _compression == 1 ? Lzo1x.Decompress(body, _expanded) : Lz4Block.Decompress(body, _expanded);
                _input.Advance(BlockHeaderLength + (int)size);
                if (length < 0)
                {
                    _statistics.Warnings.Add("corrupt", $"a {CompressionName} block at byte {start} does not decompress; stopped reading");
                    _finished = true;
                    return false;
                }

                _block = _expanded;
                _blockLength = length;
            }
            else
            {
                // The records stay in the input buffer: copy them out before the buffer moves on.
                if (_block.Length < size || ReferenceEquals(_block, _expanded))
                {
                    _block = new byte[Math.Max(size, 1 << 20)];
                }

                body.CopyTo(_block);
                _blockLength = (int)size;
                _input.Advance(BlockHeaderLength + (int)size);
            }

            _offset = 0;
            _recordsLeft = (int)Math.Min(records, int.MaxValue);
            return true;
        }
    }
}
