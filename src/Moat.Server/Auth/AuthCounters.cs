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

    /// <summary>UDP requests dropped because they carried no valid auth-bound token (authentication is on).</summary>
    public long UdpUnauthenticatedDropped;

    public static void Increment(ref long counter) => Interlocked.Increment(ref counter);

    /// <summary>
    /// "stats reset": memcached 1.6.18 zeroes auth_cmds and auth_errors (per-thread stats), so every counter here
    /// starts over with them; an increment racing the reset is either kept or cleared, never lost halfway.
    /// </summary>
    public void Reset()
    {
        Interlocked.Exchange(ref Commands, 0);
        Interlocked.Exchange(ref Errors, 0);
        Interlocked.Exchange(ref Failures, 0);
        Interlocked.Exchange(ref RateLimited, 0);
        Interlocked.Exchange(ref UnauthenticatedCommands, 0);
        Interlocked.Exchange(ref Timeouts, 0);
        Interlocked.Exchange(ref UdpUnauthenticatedDropped, 0);
    }
}
