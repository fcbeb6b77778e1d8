namespace Moat.Protocol.Binary;

/// <summary>memcached's binary protocol opcodes (protocol_binary.h) that Moat answers.</summary>
internal enum BinaryOpcode : byte
{
    /// <summary>GET.</summary>
    Get = 0x00,

    /// <summary>SET.</summary>
    Set = 0x01,

    /// <summary>ADD.</summary>
    Add = 0x02,

    /// <summary>REPLACE.</summary>
    Replace = 0x03,

    /// <summary>DELETE.</summary>
    Delete = 0x04,

    /// <summary>INCREMENT.</summary>
    Increment = 0x05,

    /// <summary>DECREMENT.</summary>
    Decrement = 0x06,

    /// <summary>QUIT.</summary>
    Quit = 0x07,

    /// <summary>FLUSH.</summary>
    Flush = 0x08,

    /// <summary>GETQ.</summary>
    GetQ = 0x09,

    /// <summary>NOOP.</summary>
    Noop = 0x0a,

    /// <summary>VERSION.</summary>
    Version = 0x0b,

    /// <summary>GETK.</summary>
    GetK = 0x0c,

    /// <summary>GETKQ.</summary>
    GetKQ = 0x0d,

    /// <summary>APPEND.</summary>
    Append = 0x0e,

    /// <summary>PREPEND.</summary>
    Prepend = 0x0f,

    /// <summary>STAT.</summary>
    Stat = 0x10,

    /// <summary>SETQ.</summary>
    SetQ = 0x11,

    /// <summary>ADDQ.</summary>
    AddQ = 0x12,

    /// <summary>REPLACEQ.</summary>
    ReplaceQ = 0x13,

    /// <summary>DELETEQ.</summary>
    DeleteQ = 0x14,

    /// <summary>INCREMENTQ.</summary>
    IncrementQ = 0x15,

    /// <summary>DECREMENTQ.</summary>
    DecrementQ = 0x16,

    /// <summary>QUITQ.</summary>
    QuitQ = 0x17,

    /// <summary>FLUSHQ.</summary>
    FlushQ = 0x18,

    /// <summary>APPENDQ.</summary>
    AppendQ = 0x19,

    /// <summary>PREPENDQ.</summary>
    PrependQ = 0x1a,

    /// <summary>TOUCH.</summary>
    Touch = 0x1c,

    /// <summary>GAT.</summary>
    Gat = 0x1d,

    /// <summary>GATQ.</summary>
    GatQ = 0x1e,

    /// <summary>SASL_LIST_MECHS.</summary>
    SaslListMechs = 0x20,

    /// <summary>SASL_AUTH.</summary>
    SaslAuth = 0x21,

    /// <summary>SASL_STEP.</summary>
    SaslStep = 0x22,

    /// <summary>GATK.</summary>
    GatK = 0x23,

    /// <summary>GATKQ.</summary>
    GatKQ = 0x24,
}
