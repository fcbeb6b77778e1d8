namespace Moat.Defense.Analysis;

/// <summary>
/// Command classes of memcached requests (docs/defense.md#classifying-requests-and-responses); only <see cref="Stats"/>
/// and <see cref="Retrieval"/> can be reflection events.
/// </summary>
internal enum CommandClass
{
    Other,
    Stats,
    Retrieval,
    Write,
    Flush,
    Version,
}
