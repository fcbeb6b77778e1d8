namespace Moat.Cli.Bench;

/// <summary>What one response of the text protocol said, as far as the load generator cares.</summary>
internal enum ResponseKind
{
    /// <summary><c>STORED</c>.</summary>
    Stored,

    /// <summary><c>VALUE ...</c> data block followed by <c>END</c>.</summary>
    Hit,

    /// <summary>A bare <c>END</c> answering a get.</summary>
    Miss,

    /// <summary>A value came back whose bytes are not what was written for that key (only with --verify).</summary>
    Mismatch,

    /// <summary>Any other single line (<c>ERROR</c>, <c>CLIENT_ERROR ...</c>, <c>SERVER_ERROR ...</c>, <c>NOT_STORED</c>).</summary>
    Error,
}
