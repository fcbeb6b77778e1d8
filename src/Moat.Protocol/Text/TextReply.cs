namespace Moat.Protocol.Text;

/// <summary>Every fixed reply line of the text protocol; <see cref="TextResponses.Line"/> gives its bytes.</summary>
internal enum TextReply : byte
{
    /// <summary>No reply chosen.</summary>
    None,

    /// <summary>ERROR.</summary>
    Error,

    /// <summary>STORED.</summary>
    Stored,

    /// <summary>NOT_STORED.</summary>
    NotStored,

    /// <summary>EXISTS.</summary>
    Exists,

    /// <summary>NOT_FOUND.</summary>
    NotFound,

    /// <summary>DELETED.</summary>
    Deleted,

    /// <summary>TOUCHED.</summary>
    Touched,

    /// <summary>OK.</summary>
    Ok,

    /// <summary>END.</summary>
    End,

    /// <summary>RESET.</summary>
    Reset,

    /// <summary>CLIENT_ERROR bad command line format.</summary>
    BadCommandLineFormat,

    /// <summary>CLIENT_ERROR bad command line.</summary>
    BadCommandLine,

    /// <summary>CLIENT_ERROR bad data chunk.</summary>
    BadDataChunk,

    /// <summary>CLIENT_ERROR invalid exptime argument.</summary>
    InvalidExptime,

    /// <summary>CLIENT_ERROR invalid numeric delta argument.</summary>
    InvalidDelta,

    /// <summary>CLIENT_ERROR cannot increment or decrement non-numeric value.</summary>
    NonNumericValue,

    /// <summary>CLIENT_ERROR bad command line format.  Usage: delete &lt;key&gt; [noreply].</summary>
    DeleteUsage,

    /// <summary>CLIENT_ERROR flush_all not allowed.</summary>
    FlushNotAllowed,

    /// <summary>CLIENT_ERROR stats cachedump not allowed.</summary>
    CachedumpNotAllowed,

    /// <summary>CLIENT_ERROR usage: stats detail on|off|dump.</summary>
    StatsDetailUsage,

    /// <summary>CLIENT_ERROR invalid shutdown mode.</summary>
    InvalidShutdownMode,

    /// <summary>ERROR: shutdown not enabled.</summary>
    ShutdownNotEnabled,

    /// <summary>SERVER_ERROR object too large for cache.</summary>
    ObjectTooLarge,

    /// <summary>SERVER_ERROR out of memory storing object.</summary>
    OutOfMemoryStoring,

    /// <summary>SERVER_ERROR out of memory.</summary>
    OutOfMemory,

    /// <summary>CLIENT_ERROR unauthenticated.</summary>
    Unauthenticated,

    /// <summary>ERROR Too many open connections.</summary>
    TooManyConnections,
}
