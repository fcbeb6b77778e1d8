namespace Moat.Server.Auth;

/// <summary>
/// Authentication counters for "stats": memcached's auth_cmds and auth_errors (credential checks, and the failed
/// ones), plus Moat's auth_failures (every failed attempt, including malformed tokens and rate-limited ones).
/// </summary>
internal sealed class AuthCounters
{
    /// <summary>Credential checks made (memcached's auth_cmds), including refusals while rate limited.</summary>
    public long Commands;

    /// <summary>Checks that failed (memcached's auth_errors).</summary>
    public long Errors;

    /// <summary>Every failed authentication attempt: wrong credentials, malformed tokens, rate-limited attempts.</summary>
    public long Failures;

    /// <summary>Attempts refused without a check because the source address failed too often.</summary>
    public long RateLimited;

    /// <summary>Commands refused because the connection had not authenticated (a sign of a client or proxy without credentials).</summary>
    public long UnauthenticatedCommands;

    /// <summary>Connections closed for not authenticating within --auth-timeout.</summary>
    public long Timeouts;

    /// <summary>UDP requests dropped because they carried no valid auth-bound token (A12).</summary>
    public long UdpUnauthenticatedDropped;

    public static void Increment(ref long counter) => Interlocked.Increment(ref counter);
}
