using Moat.Storage;

namespace Moat.Benchmarks.Storage;

/// <summary>Consumes a hit the way a protocol writer would touch it, so the read cannot be optimised away.</summary>
internal struct CountingSink : IItemSink
{
    public long Bytes;

    public void OnItem(in ItemMetadata metadata, ReadOnlySpan<byte> value) => Bytes += value.Length + (value.IsEmpty ? 0 : value[^1]);
}
