namespace Moat.Interop.Tests.Infrastructure;

/// <summary>Exit code and captured output of a finished external command.</summary>
public sealed record ProcessResult(int ExitCode, string StandardOutput, string StandardError, bool TimedOut)
{
    public override string ToString() =>
        $"exit {ExitCode}{(TimedOut ? " (killed after timeout)" : "")}\n--- stdout ---\n{StandardOutput}\n--- stderr ---\n{StandardError}";
}
