namespace Moat.Storage.Tests;

/// <summary>The virtual class table against memcached 1.6.18's slabs_init and item size rules.</summary>
public sealed class SlabClassTableTests
{
    [Fact]
    public void Default_table_grows_by_a_quarter_aligned_to_8_and_ends_with_the_chunk_maximum()
    {
        var classes = new MemcachedSlabClasses(512 * 1024, casEnabled: true);
        Assert.Equal(39, classes.LargestClass);
        Assert.Equal(96, classes.ChunkSize(1));
        Assert.Equal(120, classes.ChunkSize(2));
        Assert.Equal(152, classes.ChunkSize(3));
        Assert.Equal(394840, classes.ChunkSize(38));
        Assert.Equal(524288, classes.ChunkSize(39));
        Assert.Equal(10922, classes.ChunksPerPage(1));
        Assert.Equal(2, classes.ChunksPerPage(39));
        for (var id = 2; id <= classes.LargestClass; id++)
        {
            Assert.True(classes.ChunkSize(id) > classes.ChunkSize(id - 1));
            Assert.Equal(0, classes.ChunkSize(id) % 8);
        }
    }

    [Theory]
    [InlineData(1, 10, 0u, true, 70, 1)]
    [InlineData(1, 100, 5u, true, 164, 4)]
    [InlineData(1, 10, 0u, false, 62, 1)]
    [InlineData(1, 3000, 0u, true, 3060, 17)]
    [InlineData(3, 600000, 0u, true, 600062, 39)]
    public void Item_size_and_class_follow_memcached(int keyLength, int valueLength, uint flags, bool cas, long size, int classId)
    {
        var classes = new MemcachedSlabClasses(512 * 1024, cas);
        Assert.Equal(size, classes.ItemSize(keyLength, valueLength, flags));
        Assert.Equal(classId, classes.ClassOf(keyLength, valueLength, flags));
    }

    [Fact]
    public void Every_size_lands_in_the_first_class_that_holds_it()
    {
        var classes = new MemcachedSlabClasses(16 * 1024, casEnabled: true);
        for (var size = 1; size <= 16 * 1024; size++)
        {
            var id = classes.ClassOfSize(size);
            Assert.True(classes.ChunkSize(id) >= size, $"size {size} in class {id}");
            Assert.True(id == 1 || classes.ChunkSize(id - 1) < size, $"size {size} skipped class {id - 1}");
        }

        Assert.Equal(classes.LargestClass, classes.ClassOfSize(1L << 30));
    }

    [Fact]
    public void A_chunked_item_has_a_header_full_chunks_and_a_tail()
    {
        var classes = new MemcachedSlabClasses(512 * 1024, casEnabled: true);
        var layout = classes.ChunksOf(3, 600000, 0);
        Assert.Equal(2, layout.HeaderClass);
        Assert.Equal(1, layout.FullChunks);
        Assert.Equal(31, layout.TailClass);
    }

    [Theory]
    [InlineData(1, 96)]
    [InlineData(64 * 1024 * 1024, 1024 * 1024)]
    public void Chunk_maximum_is_clamped_to_memcached_limits(int requested, int used)
    {
        var classes = new MemcachedSlabClasses(requested, casEnabled: true);
        Assert.Equal(used, classes.SlabChunkMax);
        Assert.True(classes.ChunksPerPage(classes.LargestClass) >= 1);
    }
}
