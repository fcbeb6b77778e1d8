using System.Runtime.CompilerServices;

namespace Moat.Defense.Capture;

/// <summary>
/// pcapng: sections in either byte order, several interfaces with their own link
/// type and timestamp resolution, EPB/SPB/PB packets, ISB drop counters; unknown blocks skipped.
/// </summary>
internal sealed class PcapNgReader : ICaptureReader
{
    public const uint SectionHeaderType = 0x0A0D0D0A;
    private const uint ByteOrderMagic = 0x1A2B3C4D;
    private const uint InterfaceDescriptionType = 1;
    private const uint ObsoletePacketType = 2;
    private const uint SimplePacketType = 3;
    private const uint InterfaceStatisticsType = 5;
    private const uint EnhancedPacketType = 6;

    /// <summary>Largest block we agree to buffer: far above any real snaplen, far below a memory problem.</summary>
    private const int MaxBlockLength = 16 << 20;

    private readonly InputBuffer _input;
    private readonly CaptureWarnings _warnings;
    private readonly List<PcapNgInterface> _interfaces = [];
    private readonly HashSet<int> _linkTypes = [];
    private bool _bigEndian;
    private bool _skippingSection;
    private bool _finished;
    private int _blockLength;
    private int _dataOffset;
    private int _dataLength;
    private long _lastTimestamp;

    public PcapNgReader(InputBuffer input, CaptureWarnings warnings)
    {
        _input = input;
        _warnings = warnings;
    }

    public string FormatName => "pcapng";

    public IReadOnlyCollection<int> LinkTypes => _linkTypes;

    public long Position => _input.Position;

    public ReadOnlySpan<byte> CurrentData => _input.Peek(_blockLength).Slice(_dataOffset, _dataLength);

    /// <summary>Total packets the capturing system says it dropped (ISB if_drop/os_drop).</summary>
    public ulong ReportedDrops { get; private set; }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public bool TryRead(out PacketRecord record)
    {
        record = default;
        while (!_finished)
        {
            _input.Advance(_blockLength);
            _blockLength = 0;
            if (!ReadBlock())
            {
                _finished = true;
                return false;
            }

            var block = _input.Peek(_blockLength);
            var type = ByteOrder.U32(block, _bigEndian);
            if (type == SectionHeaderType)
            {
                ReadSectionHeader(block);
                continue;
            }

            if (_skippingSection)
            {
                continue;
            }

            switch (type)
            {
                case InterfaceDescriptionType:
                    ReadInterface(block);
                    break;
                case EnhancedPacketType:
                    if (ReadPacket(block, obsolete: false, out record))
                    {
                        return true;
                    }

                    break;
                case SimplePacketType:
                    if (ReadSimplePacket(block, out record))
                    {
                        return true;
                    }

                    break;
                case ObsoletePacketType:
                    if (ReadPacket(block, obsolete: true, out record))
                    {
                        return true;
                    }

                    break;
                case InterfaceStatisticsType:
                    ReadStatistics(block);
                    break;
                default:
                    // NRB, DSB, custom and journal blocks carry nothing detect needs.
                    break;
            }
        }

        return false;
    }

    /// <summary>Buffers the next whole block after validating its framing; false at end or on damage.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private bool ReadBlock()
    {
        var start = _input.Position;
        if (!_input.Ensure(12, _warnings))
        {
            return false;
        }

        var head = _input.Peek(12);
        if (ByteOrder.U32(head, bigEndian: false) == SectionHeaderType)
        {
            // The byte-order magic decides how to read every length in the section, this one included.
            var bom = ByteOrder.U32(head[8..], bigEndian: false);
            if (bom == ByteOrderMagic)
            {
                _bigEndian = false;
            }
            else if (bom == 0x4D3C2B1A)
            {
                _bigEndian = true;
            }
            else
            {
                _warnings.Add("corrupt", $"section header with bad byte-order magic at byte {start}; stopped reading");
                return false;
            }
        }

        var length = ByteOrder.U32(head[4..], _bigEndian);
        if (length < 12 || length % 4 != 0 || length > MaxBlockLength)
        {
            _warnings.Add("corrupt", $"implausible block length {length} at byte {start}; stopped reading");
            return false;
        }

        if (!_input.Ensure((int)length, _warnings))
        {
            return false;
        }

        var block = _input.Peek((int)length);
        if (ByteOrder.U32(block[^4..], _bigEndian) != length)
        {
            _warnings.Add("corrupt", $"block at byte {start} has mismatched length fields; stopped reading");
            return false;
        }

        _blockLength = (int)length;
        return true;
    }

    private void ReadSectionHeader(ReadOnlySpan<byte> block)
    {
        _interfaces.Clear();
        if (block.Length < 28)
        {
            _warnings.Add("corrupt_block", "section header block too short; section skipped");
            _skippingSection = true;
            return;
        }

        var major = ByteOrder.U16(block[12..], _bigEndian);
        _skippingSection = major != 1;
        if (_skippingSection)
        {
            _warnings.Add("pcapng_version", $"pcapng section version {major} is not 1; section skipped");
        }
    }

    private void ReadInterface(ReadOnlySpan<byte> block)
    {
        if (block.Length < 20)
        {
            _warnings.Add("corrupt_block", "interface description block too short");
            _interfaces.Add(new PcapNgInterface { LinkType = -1 });
            return;
        }

        var linkType = ByteOrder.U16(block[8..], _bigEndian);
        var description = new PcapNgInterface
        {
            LinkType = linkType,
            SnapLength = ByteOrder.U32(block[12..], _bigEndian),
        };
        var options = new PcapNgOptions(block[16..^4], _bigEndian);
        while (options.TryNext(out var code, out var value))
        {
            switch (code)
            {
                case 9 when value.Length >= 1:
                    description.BinaryResolution = (value[0] & 0x80) != 0;
                    description.ResolutionExponent = value[0] & 0x7F;
                    if (description.ResolutionExponent > 63)
                    {
                        _warnings.Add("tsresol", $"if_tsresol 0x{value[0]:X2} out of range; using microseconds");
                        description.BinaryResolution = false;
                        description.ResolutionExponent = 6;
                    }

                    break;
                case 14 when value.Length >= 8:
                    description.OffsetSeconds = ByteOrder.I64(value, _bigEndian);
                    break;
                case 13 when value.Length >= 1:
                    // The draft gives if_fcslen in bits; some writers put bytes. Small values are bytes.
                    description.FcsLength = value[0] > 8 ? value[0] / 8 : value[0];
                    break;
                default:
                    break;
            }
        }

        _interfaces.Add(description);
        _linkTypes.Add(linkType);
    }

    /// <summary>
    /// An enhanced packet block, or the obsolete packet block it replaced: the same layout, but the obsolete block's
    /// interface id is 16 bits (a drops count follows it).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private bool ReadPacket(ReadOnlySpan<byte> block, bool obsolete, out PacketRecord record)
    {
        record = default;
        if (block.Length < 32)
        {
            _warnings.Add("corrupt_block", obsolete ? "packet block too short; packet skipped" : "enhanced packet block too short; packet skipped");
            return false;
        }

        var interfaceId = obsolete ? ByteOrder.U16(block[8..], _bigEndian) : ByteOrder.U32(block[8..], _bigEndian);
        var ticks = ((ulong)ByteOrder.U32(block[12..], _bigEndian) << 32) | ByteOrder.U32(block[16..], _bigEndian);
        var captured = ByteOrder.U32(block[20..], _bigEndian);
        var original = ByteOrder.U32(block[24..], _bigEndian);
        return Emit(block, interfaceId, ticks, captured, original, 28, hasTimestamp: true, out record);
    }

    private bool ReadSimplePacket(ReadOnlySpan<byte> block, out PacketRecord record)
    {
        record = default;
        if (block.Length < 16 || _interfaces.Count == 0)
        {
            _warnings.Add("corrupt_block", "simple packet block without interface or too short; packet skipped");
            return false;
        }

        var original = ByteOrder.U32(block[8..], _bigEndian);
        var snap = _interfaces[0].SnapLength;
        var captured = Math.Min(original, (uint)(block.Length - 16));
        if (snap != 0)
        {
            captured = Math.Min(captured, snap);
        }

        if (!_warnings.Contains("spb_without_timestamps"))
        {
            _warnings.Add("spb_without_timestamps", "simple packet blocks carry no timestamp; using the previous packet's");
        }

        return Emit(block, 0, 0, captured, original, 12, hasTimestamp: false, out record);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private bool Emit(
        ReadOnlySpan<byte> block,
        uint interfaceId,
        ulong ticks,
        uint captured,
        uint original,
        int dataOffset,
        bool hasTimestamp,
        out PacketRecord record)
    {
        record = default;
        if (interfaceId >= (uint)_interfaces.Count)
        {
            _warnings.Add("unknown_interface", $"packet references unknown interface {interfaceId}; skipped");
            return false;
        }

        if (captured > (uint)(block.Length - dataOffset - 4))
        {
            _warnings.Add("corrupt_block", "packet block's captured length exceeds the block; packet skipped");
            return false;
        }

        var description = _interfaces[(int)interfaceId];
        if (description.LinkType < 0)
        {
            return false;
        }

        var timestamp = hasTimestamp ? description.ToNanoseconds(ticks) : _lastTimestamp;
        _lastTimestamp = timestamp;
        _dataOffset = dataOffset;
        _dataLength = (int)captured;
        record = new PacketRecord(
            timestamp,
            description.LinkType,
            (int)captured,
            (int)Math.Min(Math.Max(original, captured), int.MaxValue),
            description.FcsLength,
            (int)interfaceId);
        return true;
    }

    private void ReadStatistics(ReadOnlySpan<byte> block)
    {
        if (block.Length < 24)
        {
            return;
        }

        ulong drops = 0;
        var options = new PcapNgOptions(block[20..^4], _bigEndian);
        while (options.TryNext(out var code, out var value))
        {
            if ((code == 5 || code == 7) && value.Length >= 8)
            {
                drops = Math.Max(drops, ByteOrder.U64(value, _bigEndian));
            }
        }

        if (drops > 0)
        {
            // Statistics blocks are cumulative per interface: the largest value seen is the total.
            ReportedDrops = Math.Max(ReportedDrops, drops);
            _warnings.Add("capture_drops", $"the capturing system reports {drops} dropped packets");
        }
    }
}
