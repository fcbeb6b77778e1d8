using System.Runtime.CompilerServices;

namespace Moat.Defense.Capture;

/// <summary>Classic libpcap files: both byte orders, µs and ns timestamps, FCS bits in the link type.</summary>
internal sealed class PcapReader : ICaptureReader
{
    public const uint MagicMicroseconds = 0xA1B2C3D4;
    public const uint MagicNanoseconds = 0xA1B23C4D;
    private const int FileHeaderLength = 24;
    private const int RecordHeaderLength = 16;
    private const int LengthSlack = 65536;
    private const int MinimumSnapLimit = 262144;

    /// <summary>Absolute ceiling whatever snaplen the header claims: nothing real comes close, and we never allocate more.</summary>
    private const long MaxRecordLength = 16 << 20;

    private readonly InputBuffer _input;
    private readonly CaptureWarnings _warnings;
    private readonly bool _bigEndian;
    private readonly bool _nanoseconds;
    private readonly uint _snapLength;
    private readonly int _linkType;
    private readonly int _fcsLength;
    private int _currentLength;
    private bool _finished;

    public PcapReader(InputBuffer input, CaptureWarnings warnings)
    {
        _input = input;
        _warnings = warnings;
        var header = input.PeekFileHeader(FileHeaderLength, "pcap");
        var magicLe = ByteOrder.U32(header, bigEndian: false);
        (_bigEndian, _nanoseconds) = magicLe switch
        {
            MagicMicroseconds => (false, false),
            MagicNanoseconds => (false, true),
            0xD4C3B2A1 => (true, false),
            0x4D3CB2A1 => (true, true),
            _ => throw new CaptureFormatException("not a pcap/pcapng file"),
        };

        var major = ByteOrder.U16(header[4..], _bigEndian);
        var minor = ByteOrder.U16(header[6..], _bigEndian);
        if (major != 2)
        {
            warnings.Add("pcap_version", $"pcap version {major}.{minor} is not 2.x; reading as 2.4");
        }

        _snapLength = ByteOrder.U32(header[16..], _bigEndian);
        var linkField = ByteOrder.U32(header[20..], _bigEndian);
        _linkType = (int)(linkField & 0xFFFF);

        // libpcap LT_FCS_LENGTH: bit 26 says present, bits 28-31 give the length in 16-bit units.
        _fcsLength = (linkField & (1u << 26)) != 0 ? (int)((linkField >> 28) & 0xF) * 2 : 0;
        input.Advance(FileHeaderLength);
    }

    public string FormatName => "pcap";

    public IReadOnlyCollection<int> LinkTypes => [_linkType];

    public long Position => _input.Position;

    public ReadOnlySpan<byte> CurrentData => _input.Peek(_currentLength);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public bool TryRead(out PacketRecord record)
    {
        record = default;
        if (_finished)
        {
            return false;
        }

        _input.Advance(_currentLength);
        _currentLength = 0;
        if (!_input.Ensure(RecordHeaderLength, _warnings))
        {
            _finished = true;
            return false;
        }

        var header = _input.Peek(RecordHeaderLength);
        var seconds = ByteOrder.U32(header, _bigEndian);
        var fraction = ByteOrder.U32(header[4..], _bigEndian);
        var included = ByteOrder.U32(header[8..], _bigEndian);
        var original = ByteOrder.U32(header[12..], _bigEndian);
        var limit = Math.Min((long)Math.Max(_snapLength, MinimumSnapLimit) + LengthSlack, MaxRecordLength);
        if (included > original || included > limit)
        {
            _warnings.Add("corrupt", $"corrupt record header at byte {_input.Position} (incl_len {included}, orig_len {original}); stopped reading");
            _finished = true;
            return false;
        }

        if (!_input.Ensure(RecordHeaderLength + (int)included, _warnings))
        {
            _finished = true;
            return false;
        }

        _input.Advance(RecordHeaderLength);
        _currentLength = (int)included;
        var timestamp = (seconds * 1_000_000_000L) + (_nanoseconds ? fraction : fraction * 1000L);
        record = new PacketRecord(timestamp, _linkType, (int)included, (int)Math.Min(original, int.MaxValue), _fcsLength, 0);
        return true;
    }
}
