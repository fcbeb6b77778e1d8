namespace Moat.Protocol.Text;

/// <summary>The pre-encoded reply lines of the text protocol, byte-identical to memcached 1.6.18's.</summary>
internal static class TextResponses
{
    /// <summary>"VALUE ", the start of every get hit.</summary>
    public static ReadOnlySpan<byte> ValuePrefix => "VALUE "u8;

    /// <summary>"STAT ", the start of every stats line.</summary>
    public static ReadOnlySpan<byte> StatPrefix => "STAT "u8;

    /// <summary>"VERSION ".</summary>
    public static ReadOnlySpan<byte> VersionPrefix => "VERSION "u8;

    /// <summary>The line terminator.</summary>
    public static ReadOnlySpan<byte> CrLf => "\r\n"u8;

    /// <summary>The full line, with "\r\n", of a fixed reply.</summary>
    public static ReadOnlySpan<byte> Line(TextReply reply) => reply switch
    {
        TextReply.Error => "ERROR\r\n"u8,
        TextReply.Stored => "STORED\r\n"u8,
        TextReply.NotStored => "NOT_STORED\r\n"u8,
        TextReply.Exists => "EXISTS\r\n"u8,
        TextReply.NotFound => "NOT_FOUND\r\n"u8,
        TextReply.Deleted => "DELETED\r\n"u8,
        TextReply.Touched => "TOUCHED\r\n"u8,
        TextReply.Ok => "OK\r\n"u8,
        TextReply.End => "END\r\n"u8,
        TextReply.Reset => "RESET\r\n"u8,
        TextReply.BadCommandLineFormat => "CLIENT_ERROR bad command line format\r\n"u8,
        TextReply.BadCommandLine => "CLIENT_ERROR bad command line\r\n"u8,
        TextReply.BadDataChunk => "CLIENT_ERROR bad data chunk\r\n"u8,
        TextReply.InvalidExptime => "CLIENT_ERROR invalid exptime argument\r\n"u8,
        TextReply.InvalidDelta => "CLIENT_ERROR invalid numeric delta argument\r\n"u8,
        TextReply.NonNumericValue => "CLIENT_ERROR cannot increment or decrement non-numeric value\r\n"u8,
        TextReply.DeleteUsage => "CLIENT_ERROR bad command line format.  Usage: delete <key> [noreply]\r\n"u8,
        TextReply.FlushNotAllowed => "CLIENT_ERROR flush_all not allowed\r\n"u8,
        TextReply.CachedumpNotAllowed => "CLIENT_ERROR stats cachedump not allowed\r\n"u8,
        TextReply.StatsDetailUsage => "CLIENT_ERROR usage: stats detail on|off|dump\r\n"u8,
        TextReply.InvalidShutdownMode => "CLIENT_ERROR invalid shutdown mode\r\n"u8,
        TextReply.ShutdownNotEnabled => "ERROR: shutdown not enabled\r\n"u8,
        TextReply.ObjectTooLarge => "SERVER_ERROR object too large for cache\r\n"u8,
        TextReply.OutOfMemoryStoring => "SERVER_ERROR out of memory storing object\r\n"u8,
        TextReply.OutOfMemory => "SERVER_ERROR out of memory\r\n"u8,
        TextReply.Unauthenticated => "CLIENT_ERROR unauthenticated\r\n"u8,
        TextReply.TooManyConnections => "ERROR Too many open connections\r\n"u8,
        _ => [],
    };
}
