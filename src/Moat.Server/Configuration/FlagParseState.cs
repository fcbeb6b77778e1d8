namespace Moat.Server.Configuration;

/// <summary>What flag parsing has seen so far, beyond the options themselves (for checks across flags).</summary>
internal sealed class FlagParseState(MoatServerOptions options)
{
    public MoatServerOptions Options { get; } = options;

    public bool ItemSizeSet { get; set; }

    public bool ChunkSet { get; set; }

    /// <summary>Every short flag (or its long form) given, so checks across areas can see e.g. that -S or -Y was set.</summary>
    public HashSet<char> SeenFlags { get; } = [];
}
