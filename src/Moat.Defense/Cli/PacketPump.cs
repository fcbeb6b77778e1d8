using System.Runtime.CompilerServices;
using Moat.Defense.Analysis;
using Moat.Defense.Capture;

namespace Moat.Defense.Cli;

/// <summary>
/// Moves packets from a capture reader into the analyzer. <see cref="Stop"/> may be called from
/// another thread (live mode, on a signal): afterwards the analyzer is never touched again, so the
/// caller can complete it and write the report even while this pump is still blocked in a read.
/// </summary>
internal sealed class PacketPump
{
    private const int ProgressEvery = 1 << 16;

    private readonly ICaptureReader _reader;
    private readonly DetectAnalyzer _analyzer;
    private readonly CaptureWarnings _warnings;
    private readonly ProgressBar? _progress;
    private readonly Lock _gate = new();
    private bool _stopped;
    private long _packets;
    private long? _first;
    private long? _last;

    public PacketPump(ICaptureReader reader, DetectAnalyzer analyzer, CaptureWarnings warnings, ProgressBar? progress)
    {
        _reader = reader;
        _analyzer = analyzer;
        _warnings = warnings;
        _progress = progress;
    }

    public (long Packets, long? First, long? Last) Counts
    {
        get
        {
            lock (_gate)
            {
                return (_packets, _first, _last);
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Run()
    {
        try
        {
            while (_reader.TryRead(out var record))
            {
                lock (_gate)
                {
                    if (_stopped)
                    {
                        return;
                    }

                    _packets++;
                    _first ??= record.TimestampNs;
                    _last = record.TimestampNs;
                    _analyzer.Process(record, _reader.CurrentData);
                }

                if ((_packets & (ProgressEvery - 1)) == 0)
                {
                    _progress?.Update(_reader.Position, _packets);
                }
            }
        }
        catch (Exception error) when (error is IOException or ObjectDisposedException or InvalidDataException)
        {
            // The gzip layer found damage or the pipe broke: keep what was read.
            lock (_gate)
            {
                if (!_stopped)
                {
                    _warnings.Add("read_error", $"reading stopped at byte {_reader.Position}: {error.Message}");
                }
            }
        }
    }

    /// <summary>After this returns the pump no longer touches the analyzer.</summary>
    public void Stop()
    {
        lock (_gate)
        {
            _stopped = true;
        }
    }
}
