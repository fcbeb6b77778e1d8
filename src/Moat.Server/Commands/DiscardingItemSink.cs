using Moat.Storage;

namespace Moat.Server.Commands;

/// <summary>A sink for existence probes: the value is not needed.</summary>
internal struct DiscardingItemSink : IItemSink
{
    public readonly void OnItem(in ItemMetadata metadata, ReadOnlySpan<byte> value)
    {
    }
}
