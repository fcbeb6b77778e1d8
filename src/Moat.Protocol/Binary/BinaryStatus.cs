namespace Moat.Protocol.Binary;

/// <summary>Response status codes of memcached's binary protocol.</summary>
internal enum BinaryStatus : ushort
{
    /// <summary>No error.</summary>
    Success = 0x00,

    /// <summary>Key not found.</summary>
    KeyNotFound = 0x01,

    /// <summary>Key exists (or CAS mismatch).</summary>
    KeyExists = 0x02,

    /// <summary>Value too large.</summary>
    TooLarge = 0x03,

    /// <summary>Invalid arguments.</summary>
    InvalidArguments = 0x04,

    /// <summary>Item not stored.</summary>
    NotStored = 0x05,

    /// <summary>Incr/decr on a non-numeric value.</summary>
    DeltaBadValue = 0x06,

    /// <summary>Authentication error.</summary>
    AuthError = 0x20,

    /// <summary>Authentication continue.</summary>
    AuthContinue = 0x21,

    /// <summary>Unknown command.</summary>
    UnknownCommand = 0x81,

    /// <summary>Out of memory.</summary>
    OutOfMemory = 0x82,
}
