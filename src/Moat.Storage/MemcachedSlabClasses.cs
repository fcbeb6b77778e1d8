using System.Runtime.CompilerServices;

namespace Moat.Storage;

/// <summary>
/// The slab classes memcached 1.6.18 builds for its default -n 48 -f 1.25 and a given slab_chunk_max (96, 120,
/// 152, ... bytes, each 1.25 times the last rounded up to 8, then one class of slab_chunk_max), and the size
/// memcached's own item would have for a key and value. Moat has no slab classes; it reports "virtual" ones so
/// that per-class stats put each item where memcached would have put the same item.
/// </summary>
public sealed class MemcachedSlabClasses
{
    /// <summary>memcached's MAX_NUMBER_OF_SLAB_CLASSES: class ids are 1 to 63.</summary>
    public const int MaxClasses = 64;

    /// <summary>memcached's slab page (settings.slab_page_size).</summary>
    public const int PageSize = 1024 * 1024;

    /// <summary>sizeof(item) in memcached 1.6 on 64-bit.</summary>
    private const int ItemHeaderLength = 48;

    /// <summary>sizeof(item_chunk) in memcached 1.6 on 64-bit.</summary>
    private const int ChunkHeaderLength = 48;

    /// <summary>-n: the smallest class holds an item header and this many bytes.</summary>
    private const int MinimumChunkSpace = 48;

    private const double GrowthFactor = 1.25;
    private const int ChunkAlignment = 8;

    private readonly int[] _chunkSizes = new int[MaxClasses];
    private readonly byte[] _classBySize;
    private readonly int _casLength;

    /// <summary>Builds the table as memcached's slabs_init does for -n 48 -f 1.25.</summary>
    /// <param name="slabChunkMax">memcached's slab_chunk_max (512 KiB by default).</param>
    /// <param name="casEnabled">Whether items carry memcached's 8-byte CAS (false with -C).</param>
    /// <param name="slabSizes">memcached's -o slab_sizes: the class sizes to use instead of -f 1.25 from 96 bytes (each rounded up to 8).</param>
    public MemcachedSlabClasses(int slabChunkMax, bool casEnabled, IReadOnlyList<int>? slabSizes = null)
    {
        // memcached refuses a slab_chunk_max below its smallest class or above its 1 MiB page; Moat only
        // reports classes, so it clamps.
        slabChunkMax = Math.Clamp(slabChunkMax, ItemHeaderLength + MinimumChunkSpace, PageSize);
        SlabChunkMax = slabChunkMax;
        _casLength = casEnabled ? sizeof(ulong) : 0;
        var classId = 0;
        var size = (uint)(ItemHeaderLength + MinimumChunkSpace);
        while (++classId < MaxClasses - 1)
        {
            // memcached's slabs_init: the given sizes, or grow by the factor until slab_chunk_max / factor.
            if (slabSizes is not null)
            {
                if (classId - 1 >= slabSizes.Count)
                {
                    break;
                }

                size = (uint)slabSizes[classId - 1];
            }
            else if (size >= slabChunkMax / GrowthFactor)
            {
                break;
            }

            if (size % ChunkAlignment != 0)
            {
                size += ChunkAlignment - (size % ChunkAlignment);
            }

            _chunkSizes[classId] = (int)size;
            if (slabSizes is null)
            {
                size = (uint)(size * GrowthFactor);
            }
        }

        LargestClass = classId;
        _chunkSizes[classId] = slabChunkMax;

        // One entry per 8 bytes of item size: the class is a table look-up on the store's hot path.
        _classBySize = new byte[(slabChunkMax / ChunkAlignment) + 1];
        var current = 1;
        for (var index = 0; index < _classBySize.Length; index++)
        {
            while ((long)index * ChunkAlignment > _chunkSizes[current])
            {
                current++;
            }

            _classBySize[index] = (byte)current;
        }
    }

    /// <summary>slab_chunk_max: the chunk size of the largest class; larger items are chunked.</summary>
    public int SlabChunkMax { get; }

    /// <summary>The id of the largest class (39 with the defaults).</summary>
    public int LargestClass { get; }

    /// <summary>Bytes per chunk of a class (memcached's chunk_size).</summary>
    public int ChunkSize(int classId) => _chunkSizes[classId];

    /// <summary>Chunks per 1 MiB page (memcached's chunks_per_page).</summary>
    public int ChunksPerPage(int classId) => PageSize / _chunkSizes[classId];

    /// <summary>memcached's ITEM_ntotal: item header, key and NUL, client flags when not 0, value with "\r\n", CAS.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public long ItemSize(int keyLength, long valueLength, uint clientFlags) =>
        ItemHeaderLength + keyLength + 1 + (clientFlags != 0 ? sizeof(uint) : 0) + valueLength + 2 + _casLength;

    /// <summary>memcached's slabs_clsid: the first class whose chunk holds <paramref name="itemSize"/> (the largest for bigger items).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int ClassOfSize(long itemSize) =>
        itemSize <= SlabChunkMax ? _classBySize[(int)((itemSize + ChunkAlignment - 1) / ChunkAlignment)] : LargestClass;

    /// <summary>The class memcached would file this item under (for stats and per-class counters).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int ClassOf(int keyLength, long valueLength, uint clientFlags) => ClassOfSize(ItemSize(keyLength, valueLength, clientFlags));

    /// <summary>
    /// Where memcached puts an item larger than slab_chunk_max: a header (item header, item_chunk header, key,
    /// flags, CAS) in a small class, then the value and "\r\n" in chunks of slab_chunk_max, the tail in the
    /// smallest class that holds it.
    /// </summary>
    public ChunkedItemLayout ChunksOf(int keyLength, long valueLength, uint clientFlags)
    {
        var headerSize = ItemHeaderLength + ChunkHeaderLength + keyLength + 1 + (clientFlags != 0 ? sizeof(uint) : 0) + _casLength;
        var perChunk = SlabChunkMax - ChunkHeaderLength;
        var data = valueLength + 2;
        var tail = data % perChunk;
        return new ChunkedItemLayout(ClassOfSize(headerSize), data / perChunk, tail == 0 ? 0 : ClassOfSize(tail + ChunkHeaderLength));
    }
}

/// <summary>The chunks of one large item: its header's class, how many full chunks, and the tail's class (0: none).</summary>
public readonly record struct ChunkedItemLayout(int HeaderClass, long FullChunks, int TailClass);
