namespace Moat.Security.Udp;

/// <summary>The shape of what follows the frame header: one command, perhaps behind an <c>@tok</c> line.</summary>
internal enum PayloadVerdict
{
    /// <summary>Exactly one ASCII command (with its data block, if any).</summary>
    Ascii,

    /// <summary>Exactly one binary-protocol request whose body length matches the datagram.</summary>
    Binary,

    /// <summary>Bytes left after the first complete command: dropped so the budget stays per request.</summary>
    MultiCommand,

    /// <summary>No line end, a missing or short data block, a truncated binary header or a bad token line.</summary>
    Malformed,
}
