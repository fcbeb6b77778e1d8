namespace Moat.Client.Protocol;

/// <summary>First token of a response line (meta two-letter codes and classic text words).</summary>
internal enum ResponseCode
{
    Unknown,
    Value,          // VA (meta) / VALUE (text)
    Hit,            // HD
    Miss,           // EN
    NotFound,       // NF / NOT_FOUND
    NotStored,      // NS / NOT_STORED
    Exists,         // EX / EXISTS
    NoOp,           // MN
    End,            // END
    Stored,         // STORED
    Deleted,        // DELETED
    Touched,        // TOUCHED
    Stat,           // STAT
    Number,         // incr/decr result
    Error,          // ERROR
    ClientError,    // CLIENT_ERROR
    ServerError,    // SERVER_ERROR
}
