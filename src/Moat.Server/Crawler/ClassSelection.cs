using Moat.Protocol;
using Moat.Storage;

namespace Moat.Server.Crawler;

/// <summary>
/// The classes an lru_crawler command names: "all", "hash" (metadump only: every item, walked as memcached's hash
/// table walk, which counts nothing) or a comma list of class ids 1-63 (memcached accepts every id below
/// MAX_NUMBER_OF_SLAB_CLASSES, whether or not such a class exists).
/// </summary>
internal sealed class ClassSelection
{
    private const int LargestClassId = 63;

    private readonly bool[] _wanted = new bool[MemcachedSlabClasses.MaxClasses];

    private ClassSelection()
    {
    }

    /// <summary>"hash": a walk that does not count items checked (memcached's hash walk skips its LRU counters).</summary>
    public bool IsHashWalk { get; private set; }

    /// <summary>A list that named no class (only commas): memcached starts nothing and answers NOTSTARTED.</summary>
    public bool IsEmpty { get; private set; } = true;

    /// <summary>Whether items of <paramref name="slabClass"/> are selected.</summary>
    public bool Wants(int slabClass) => (uint)slabClass < (uint)_wanted.Length && _wanted[slabClass];

    /// <summary>memcached's lru_crawler_crawl argument parsing; null with <paramref name="reply"/> set on an error.</summary>
    public static ClassSelection? Parse(ReadOnlySpan<byte> argument, out ReadOnlySpan<byte> reply)
    {
        reply = default;
        var selection = new ClassSelection();
        if (argument.SequenceEqual("all"u8))
        {
            Array.Fill(selection._wanted, true);
            selection.IsEmpty = false;
            return selection;
        }

        if (argument.SequenceEqual("hash"u8))
        {
            Array.Fill(selection._wanted, true);
            selection.IsHashWalk = true;
            selection.IsEmpty = false;
            return selection;
        }

        foreach (var range in argument.Split((byte)','))
        {
            var part = argument[range];
            if (part.IsEmpty)
            {
                // strtok_r: consecutive commas make no empty token.
                continue;
            }

            if (!AsciiNumber.TryParseUInt32(part, out var id) || id < 1 || id > LargestClassId)
            {
                reply = "BADCLASS invalid class id\r\n"u8;
                return null;
            }

            selection._wanted[id] = true;
            selection.IsEmpty = false;
        }

        return selection;
    }
}
