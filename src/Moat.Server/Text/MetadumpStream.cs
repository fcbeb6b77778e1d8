using System.Buffers;
using Moat.Server.Crawler;
using Moat.Server.Processing;
using Moat.Storage;

namespace Moat.Server.Text;

/// <summary>
/// One connection's "lru_crawler metadump" in progress. memcached hands the connection to its crawler thread, which
/// writes as the socket drains; here the connection's own processor writes the dump in parts between flushes, so a
/// slow reader holds back only its own dump and never more than one part is buffered.
/// </summary>
internal sealed class MetadumpStream(LruCrawler crawler, IItemWalk walk, ClassSelection classes) : IDisposable
{
    /// <summary>Index stripes (64 slots each) visited between two checks of the output size.</summary>
    private const int StripesPerStep = 16;

    private readonly long[] _checkedPerClass = new long[MemcachedSlabClasses.MaxClasses];
    private bool _finished;

    /// <summary>
    /// Writes the next part of the dump; true once it is complete (END written). Stops early when the replies
    /// waiting for a flush pass <see cref="BatchControl.OutputYieldThreshold"/>.
    /// </summary>
    public bool Continue(IBufferWriter<byte> output)
    {
        var visitor = new MetadumpVisitor(output, classes, _checkedPerClass);
        while (walk.VisitNext(ref visitor, StripesPerStep))
        {
            if (output is CountingBufferWriter { Pending: >= BatchControl.OutputYieldThreshold })
            {
                return false;
            }
        }

        output.Write("END\r\n"u8);
        Dispose();
        return true;
    }

    /// <summary>Ends the dump, complete or not (the connection closed): the crawler is free again.</summary>
    public void Dispose()
    {
        if (_finished)
        {
            return;
        }

        _finished = true;
        walk.Dispose();
        if (!classes.IsHashWalk)
        {
            for (var slabClass = 0; slabClass < _checkedPerClass.Length; slabClass++)
            {
                if (_checkedPerClass[slabClass] > 0)
                {
                    crawler.Count(slabClass, _checkedPerClass[slabClass], 0);
                }
            }
        }

        crawler.Finish();
    }
}
