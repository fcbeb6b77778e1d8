using Moat.Storage;

namespace Moat.Server.Meta;

/// <summary>Keeps the metadata of a hit and ignores its value (ms c reads back the CAS it stored).</summary>
internal struct MetadataCaptureSink : IItemSink
{
    /// <summary>The metadata of the hit; default after a miss.</summary>
    public ItemMetadata Metadata { get; private set; }

    public void OnItem(in ItemMetadata metadata, ReadOnlySpan<byte> value) => Metadata = metadata;
}
