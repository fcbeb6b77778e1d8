namespace Moat.Protocol.Text;

/// <summary>
/// One parsed command line. Only the fields of its <see cref="Kind"/> are meaningful. Spans point into the line
/// the parser was given, so a request lives no longer than the read buffer it came from.
/// </summary>
internal ref struct TextRequest
{
    /// <summary>What to execute.</summary>
    public TextCommandKind Kind;

    /// <summary>For <see cref="TextCommandKind.Rejected"/>: the reply to send (subject to <see cref="NoReply"/>).</summary>
    public TextReply Reply;

    /// <summary>
    /// An argument error found while parsing that the executor must report only after its own checks
    /// (flush_all reports "not allowed" under -F before it looks at the delay).
    /// </summary>
    public TextReply DeferredError;

    /// <summary>The client asked for no reply; memcached then suppresses every reply of the command, errors included.</summary>
    public bool NoReply;

    /// <summary>The tokens of the line (gets read their keys here, stats its arguments).</summary>
    public TextTokens Tokens;

    /// <summary>The key of single-key commands.</summary>
    public ReadOnlySpan<byte> Key;

    /// <summary>Index of the first key token of get/gets/gat/gats.</summary>
    public int FirstKeyToken;

    /// <summary>Client flags of storage commands.</summary>
    public uint ClientFlags;

    /// <summary>exptime of storage commands, touch, gat/gats; the delay of flush_all.</summary>
    public int Exptime;

    /// <summary>Declared data length of storage commands (without the trailing "\r\n").</summary>
    public int DataLength;

    /// <summary>The compare value of cas.</summary>
    public ulong CompareCas;

    /// <summary>The delta of incr/decr; the level of verbosity.</summary>
    public ulong Delta;

    /// <summary>shutdown graceful.</summary>
    public bool Graceful;

    /// <summary>Whether this is a storage command, followed by a data block of <see cref="DataLength"/> + 2 bytes.</summary>
    public readonly bool HasDataBlock => Kind is >= TextCommandKind.Set and <= TextCommandKind.Cas;

    /// <summary>Marks the request as answered by <paramref name="reply"/> without executing anything.</summary>
    public void Reject(TextReply reply)
    {
        Kind = TextCommandKind.Rejected;
        Reply = reply;
    }

    /// <summary>Whether this is get/gets/gat/gats.</summary>
    public readonly bool IsRetrieval => Kind is >= TextCommandKind.Get and <= TextCommandKind.Gats;
}
