namespace Moat.Storage;

/// <summary>
/// Receives a hit from <see cref="ICacheStore.Read{TSink}"/>. Implemented as a struct by protocol writers so a
/// get writes "VALUE key flags bytes\r\n", the value and "\r\n" straight into the output with no copy in between.
/// </summary>
public interface IItemSink
{
    /// <summary>Called once per hit. <paramref name="value"/> is valid only for the duration of the call.</summary>
    void OnItem(in ItemMetadata metadata, ReadOnlySpan<byte> value);
}
