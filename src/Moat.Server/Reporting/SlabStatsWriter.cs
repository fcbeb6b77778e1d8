using System.Buffers;
using System.Globalization;
using System.Text;
using Moat.Protocol.Text;
using Moat.Server.Statistics;
using Moat.Storage;

namespace Moat.Server.Reporting;

/// <summary>
/// "stats items" and "stats slabs" over Moat's virtual slab classes (<see cref="MemcachedSlabClasses"/>), in
/// memcached 1.6.18's line format and order as it prints them without the LRU maintainer (Moat reports
/// lru_maintainer_thread no, so the number_hot/age_hot/moves_* lines are absent as they would be there).
/// </summary>
internal static class SlabStatsWriter
{
    /// <summary>"stats items": one block per class holding live items.</summary>
    public static void WriteItems(MoatServerContext context, IBufferWriter<byte> output)
    {
        foreach (var slab in context.Store.GetSlabClassStatistics())
        {
            if (slab.Number <= 0)
            {
                continue;
            }

            var prefix = string.Create(CultureInfo.InvariantCulture, $"items:{slab.ClassId}:");
            Write(output, prefix, "number", slab.Number);
            Write(output, prefix, "age", slab.Age);
            Write(output, prefix, "mem_requested", slab.MemRequested);
            Write(output, prefix, "evicted", slab.Evicted);
            Write(output, prefix, "evicted_nonzero", slab.EvictedNonzero);
            Write(output, prefix, "evicted_time", slab.EvictedTime);
            Write(output, prefix, "outofmemory", slab.OutOfMemory);
            Write(output, prefix, "tailrepairs", 0);
            Write(output, prefix, "reclaimed", slab.Reclaimed);
            Write(output, prefix, "expired_unfetched", slab.ExpiredUnfetched);
            Write(output, prefix, "evicted_unfetched", slab.EvictedUnfetched);
            Write(output, prefix, "crawler_reclaimed", context.Crawler.ReclaimedIn(slab.ClassId));
            Write(output, prefix, "crawler_items_checked", context.Crawler.ItemsCheckedIn(slab.ClassId));
            Write(output, prefix, "lrutail_reflocked", 0);
        }
    }

    /// <summary>
    /// "stats slabs": one block per class that has (or had) items or chunks, or counted a command; pages are
    /// virtual (the chunks in use rounded up to whole 1 MiB pages), then active_slabs and total_malloced.
    /// </summary>
    public static void WriteSlabs(MoatServerContext context, IBufferWriter<byte> output)
    {
        var classes = context.Store.SlabClasses;
        var commands = context.Executor.ClassCommands;
        var active = 0L;
        foreach (var slab in context.Store.GetSlabClassStatistics())
        {
            var id = slab.ClassId;
            if (!slab.EverUsed && slab.UsedChunks <= 0 && !commands.Any(id))
            {
                continue;
            }

            var perPage = classes.ChunksPerPage(id);
            var used = Math.Max(0, slab.UsedChunks);
            var pages = Math.Max(1, (used + perPage - 1) / perPage);
            var prefix = string.Create(CultureInfo.InvariantCulture, $"{id}:");
            Write(output, prefix, "chunk_size", classes.ChunkSize(id));
            Write(output, prefix, "chunks_per_page", perPage);
            Write(output, prefix, "total_pages", pages);
            Write(output, prefix, "total_chunks", pages * perPage);
            Write(output, prefix, "used_chunks", used);
            Write(output, prefix, "free_chunks", (pages * perPage) - used);
            Write(output, prefix, "free_chunks_end", 0);
            Write(output, prefix, "get_hits", commands.Sum(id, SlabCommand.GetHits));
            Write(output, prefix, "cmd_set", commands.Sum(id, SlabCommand.CmdSet));
            Write(output, prefix, "delete_hits", commands.Sum(id, SlabCommand.DeleteHits));
            Write(output, prefix, "incr_hits", commands.Sum(id, SlabCommand.IncrHits));
            Write(output, prefix, "decr_hits", commands.Sum(id, SlabCommand.DecrHits));
            Write(output, prefix, "cas_hits", commands.Sum(id, SlabCommand.CasHits));
            Write(output, prefix, "cas_badval", commands.Sum(id, SlabCommand.CasBadValue));
            Write(output, prefix, "touch_hits", commands.Sum(id, SlabCommand.TouchHits));
            active++;
        }

        TextResponseWriter.WriteStat(output, "active_slabs"u8, active);
        TextResponseWriter.WriteStat(output, "total_malloced"u8, context.Store.GetStatistics().TotalMalloced);
    }

    private static void Write(IBufferWriter<byte> output, string prefix, string name, long value) =>
        TextResponseWriter.WriteStat(output, Encoding.ASCII.GetBytes(prefix + name), value);
}
