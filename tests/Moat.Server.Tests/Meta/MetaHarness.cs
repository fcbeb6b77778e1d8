using System.Buffers;
using System.Text;
using Moat.Server.Configuration;
using Moat.Server.Meta;
using Moat.Server.Text;
using Moat.Storage;

namespace Moat.Server.Tests.Meta;

/// <summary>
/// One connection's worth of protocol processing without a socket: meta lines go to <see cref="MetaCommandProcessor"/>,
/// every other line to <see cref="TextCommandProcessor"/>, over a real store. Lets the meta commands be compared with
/// memcached byte for byte before the connection handler dispatches them.
/// </summary>
internal sealed class MetaHarness : IDisposable
{
    private readonly MoatServerContext _context;
    private readonly MetaCommandProcessor _meta;
    private readonly TextCommandProcessor _text;

    public MetaHarness(MoatServerOptions? options = null)
    {
        // One command per text pass, so the harness can hand the next line to whichever processor owns it.
        options ??= new MoatServerOptions { RequestsPerEvent = 1 };
        _context = new MoatServerContext(options, new SegmentCacheStore(options.ToStoreOptions() with { BackgroundSweep = false }));
        var counters = _context.Statistics.TryOpen(10, "test", "test", 0)!;
        _meta = new MetaCommandProcessor(_context, counters);
        _text = new TextCommandProcessor(_context, counters);
    }

    /// <summary>The counters of the harness's connection.</summary>
    public Statistics.ConnectionCounters Counters => _meta.Counters;

    /// <summary>Runs every complete command of <paramref name="request"/> and returns the replies (Latin-1).</summary>
    public string Run(string request)
    {
        var buffer = new ReadOnlySequence<byte>(Encoding.Latin1.GetBytes(request));
        var output = new ArrayBufferWriter<byte>();
        long swallow = 0;
        for (var guard = 0; guard < 100_000 && !buffer.IsEmpty; guard++)
        {
            if (swallow > 0)
            {
                var skip = Math.Min(swallow, buffer.Length);
                buffer = buffer.Slice(skip);
                swallow -= skip;
                continue;
            }

            var newline = buffer.PositionOf((byte)'\n');
            if (newline is null)
            {
                break;
            }

            var lineBytes = buffer.Slice(0, newline.Value).ToArray();
            var lineLength = lineBytes.Length + 1L;
            ReadOnlySpan<byte> line = lineBytes;
            if (line.Length > 1 && line[^1] == (byte)'\r')
            {
                line = line[..^1];
            }

            if (MetaCommandProcessor.IsMetaCommand(line))
            {
                if (_meta.Execute(line, lineLength, ref buffer, output, out swallow) == ProcessOutcome.NeedMoreData)
                {
                    break;
                }
            }
            else
            {
                var before = buffer.Length;
                if (_text.Process(ref buffer, output) == ProcessOutcome.Close || buffer.Length == before)
                {
                    break;
                }
            }
        }

        return Encoding.Latin1.GetString(output.WrittenSpan);
    }

    public void Dispose() => _context.Dispose();
}
