namespace Moat.Server.Processing;

/// <summary>What the connection loop does after a processing pass.</summary>
internal enum ProcessOutcome : byte
{
    /// <summary>Every complete command was handled; flush and read more.</summary>
    NeedMoreData,

    /// <summary>Complete commands remain but the connection used its turn (-R) or filled its output: flush, then continue without reading.</summary>
    Yield,

    /// <summary>Flush what was written, then close (quit, line too long, shutdown, HTTP request).</summary>
    Close,

    /// <summary>Drop what was written and close at once (replies past the hard output limit: flushing them is what must not happen).</summary>
    Abort,

    /// <summary>
    /// "watch" succeeded: flush its "OK", then the connection only streams log lines; the rest of the input is
    /// ignored, as memcached ignores it once the socket belongs to its logger thread.
    /// </summary>
    Watch,
}
