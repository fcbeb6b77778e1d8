namespace Moat.Protocol.Text;

/// <summary>The classic text-protocol commands Moat understands.</summary>
internal enum TextCommandKind : byte
{
    /// <summary>Nothing to execute: the parser already chose the reply (an error) in <see cref="TextRequest.Reply"/>.</summary>
    Rejected,

    /// <summary>Close the connection without a reply (memcached does this to HTTP requests).</summary>
    CloseSilently,

    /// <summary>get key*.</summary>
    Get,

    /// <summary>gets key*.</summary>
    Gets,

    /// <summary>gat exptime key*.</summary>
    Gat,

    /// <summary>gats exptime key*.</summary>
    Gats,

    /// <summary>set key flags exptime bytes [noreply].</summary>
    Set,

    /// <summary>add key flags exptime bytes [noreply].</summary>
    Add,

    /// <summary>replace key flags exptime bytes [noreply].</summary>
    Replace,

    /// <summary>append key flags exptime bytes [noreply].</summary>
    Append,

    /// <summary>prepend key flags exptime bytes [noreply].</summary>
    Prepend,

    /// <summary>cas key flags exptime bytes cas [noreply].</summary>
    Cas,

    /// <summary>incr key delta [noreply].</summary>
    Incr,

    /// <summary>decr key delta [noreply].</summary>
    Decr,

    /// <summary>delete key [0] [noreply].</summary>
    Delete,

    /// <summary>touch key exptime [noreply].</summary>
    Touch,

    /// <summary>flush_all [delay] [noreply].</summary>
    FlushAll,

    /// <summary>version.</summary>
    Version,

    /// <summary>verbosity level [noreply].</summary>
    Verbosity,

    /// <summary>quit.</summary>
    Quit,

    /// <summary>shutdown [graceful].</summary>
    Shutdown,

    /// <summary>stats [group ...].</summary>
    Stats,

    /// <summary>lru_crawler crawl|metadump|tocrawl|sleep|enable|disable ...</summary>
    LruCrawler,
}
