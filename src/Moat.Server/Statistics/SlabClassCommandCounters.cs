using Moat.Storage;

namespace Moat.Server.Statistics;

/// <summary>The per-class command counters of memcached's "stats slabs" (its slab_stats), by virtual slab class.</summary>
internal sealed class SlabClassCommandCounters
{
    private static readonly SlabCommand[] AllCommands = Enum.GetValues<SlabCommand>();
    private readonly SlabClassCounters _counters = new();

    /// <summary>Counts one <paramref name="command"/> against class <paramref name="classId"/> (0, no item, is not counted).</summary>
    public void Increment(int classId, SlabCommand command)
    {
        if (classId > 0)
        {
            _counters.Add(classId, (int)command, 1);
        }
    }

    /// <summary>The count since start or the last "stats reset".</summary>
    public long Sum(int classId, SlabCommand command) => _counters.Sum(classId, (int)command);

    /// <summary>Whether any command was ever counted against the class (so it appears in "stats slabs").</summary>
    public bool Any(int classId) => AllCommands.Any(command => Sum(classId, command) != 0);

    /// <summary>"stats reset" clears memcached's slab_stats.</summary>
    public void Reset()
    {
        foreach (var command in AllCommands)
        {
            _counters.Reset((int)command);
        }
    }
}

/// <summary>The commands memcached counts per slab class, in its "stats slabs" order.</summary>
internal enum SlabCommand
{
    GetHits,
    CmdSet,
    DeleteHits,
    IncrHits,
    DecrHits,
    CasHits,
    CasBadValue,
    TouchHits,
}
