namespace Moat.Server.Configuration;

/// <summary>
/// The outcome of parsing memcached's command line: options to run with, or an exit code with what to print
/// (-h/-V on stdout with code 0; a one-line reason on stderr with code 64, EX_USAGE).
/// </summary>
public sealed record FlagParseResult
{
    /// <summary>EX_USAGE from sysexits.h.</summary>
    public const int UsageExitCode = 64;

    /// <summary>The options when the server should run.</summary>
    public MoatServerOptions? Options { get; init; }

    /// <summary>Set when the process should exit instead of running.</summary>
    public int? ExitCode { get; init; }

    /// <summary>Text for stdout (help, version).</summary>
    public string? Output { get; init; }

    /// <summary>The reason for a usage error, for stderr.</summary>
    public string? Error { get; init; }

    /// <summary>A usage error.</summary>
    public static FlagParseResult Fail(string reason) => new() { ExitCode = UsageExitCode, Error = reason };
}
