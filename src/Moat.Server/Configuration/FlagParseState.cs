namespace Moat.Server.Configuration;

/// <summary>What flag parsing has seen so far, beyond the options themselves (for checks across flags).</summary>
internal sealed class FlagParseState(MoatServerOptions options)
{
    public MoatServerOptions Options { get; } = options;

    public bool ItemSizeSet { get; set; }

    /// <summary>-o slab_chunk_max was given (memcached's slab_chunk_size_changed).</summary>
    public bool ChunkSet { get; set; }

    /// <summary>slab_chunk_max as the flags so far set it (slab_chunk_max, no_chunked_items, no_modern); null = default.</summary>
    public int? Chunk { get; set; }

    /// <summary>-o slab_sizes as given, parsed once slab_chunk_max is final (as memcached does).</summary>
    public string? SlabSizesText { get; set; }

    /// <summary>Every short flag (or its long form) given, so checks across areas can see e.g. that -S or -Y was set.</summary>
    public HashSet<char> SeenFlags { get; } = [];
}
