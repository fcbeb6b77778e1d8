using System.Net;
using Moat.Security.Auth;
using Moat.Security.Events;
using Moat.Security.Udp;
using Moat.Server.Configuration;

namespace Moat.Server.Auth;

/// <summary>
/// The server's authentication state for -Y and -S: the credential table (swapped whole on SIGHUP, so a bad file keeps
/// the previous one), the per-address failure limiter, the counters, and the identities of auth-bound UDP tokens
/// (docs/security.md#udp-under-authentication). Only authentication attempts, "udptoken" and token-carrying UDP
/// requests come here.
/// </summary>
internal sealed class Authenticator
{
    /// <summary>memcached 1.6.42's MAX_AUTH_REQ_LEN: a longer declared token is refused before it is read.</summary>
    public const int MaxTokenLength = 16384;

    private readonly MoatServerOptions _options;
    private readonly Func<SecurityEventLog> _securityLog;
    private readonly string _path;
    private volatile CredentialTable _credentials;

    /// <summary>
    /// <paramref name="securityLog"/> gives the security event log in force (the host sets it after the server
    /// context, which owns this, is built). The owner calls <see cref="Reload"/> on SIGHUP.
    /// </summary>
    public Authenticator(MoatServerOptions options, Func<SecurityEventLog> securityLog)
    {
        _options = options;
        _securityLog = securityLog;
        Sasl = options.SaslEnabled;
        _path = options.AsciiAuthFile ?? options.SaslPasswordDatabase
            ?? throw new InvalidOperationException("Authentication needs an auth file (-Y) or a SASL password database.");
        _credentials = options.LoadedCredentials ?? LoadOrThrow();

        // As in memcached, the protocol follows the authentication: -S is binary only, -Y text only (the flag
        // parser refuses a contrary -B; this covers servers configured in code).
        options.Protocol = Sasl ? BindingProtocol.Binary : BindingProtocol.Ascii;
        Limiter = new AuthFailureLimiter(options.Clock);
        TokenIdentities = new UdpTokenIdentities();
    }

    /// <summary>True for -S (SASL over binary), false for -Y (ASCII).</summary>
    public bool Sasl { get; }

    /// <summary>The credentials in force.</summary>
    public CredentialTable Credentials => _credentials;

    public AuthFailureLimiter Limiter { get; }

    public AuthCounters Counters { get; } = new();

    /// <summary>Which users asked for UDP tokens from which addresses (so UDP can verify auth-bound tokens).</summary>
    public UdpTokenIdentities TokenIdentities { get; }

    /// <summary>
    /// Checks one attempt from <paramref name="session"/>. While the peer's address is rate limited nothing is
    /// checked. Failures are counted and reported as security events.
    /// </summary>
    public AuthOutcome Authenticate(ReadOnlySpan<byte> user, ReadOnlySpan<byte> password, PeerSession session)
    {
        AuthCounters.Increment(ref Counters.Commands);
        if (IsRateLimited(session))
        {
            return AuthOutcome.RateLimited;
        }

        var table = _credentials;
        return Conclude(table, table.Find(user, password), session);
    }

    /// <summary>
    /// Checks a CRAM-MD5 response to <paramref name="challenge"/> (the final step of the exchange) with the same
    /// rate limiting, counting and events as <see cref="Authenticate"/>.
    /// </summary>
    public AuthOutcome AuthenticateChallengeResponse(ReadOnlySpan<byte> user, ReadOnlySpan<byte> challenge, ReadOnlySpan<byte> response, PeerSession session)
    {
        AuthCounters.Increment(ref Counters.Commands);
        if (IsRateLimited(session))
        {
            return AuthOutcome.RateLimited;
        }

        var table = _credentials;
        return Conclude(table, table.FindChallengeResponse(user, challenge, response), session);
    }

    /// <summary>The first step of a challenge-response exchange: counted as a SASL command (memcached's auth_cmds), nothing checked yet.</summary>
    public void RecordChallengeIssued() => AuthCounters.Increment(ref Counters.Commands);

    private bool IsRateLimited(PeerSession session)
    {
        if (!Limiter.IsBlocked(session.Address))
        {
            return false;
        }

        AuthCounters.Increment(ref Counters.RateLimited);
        AuthCounters.Increment(ref Counters.Errors);
        RecordFailure(session, "ratelimited");
        return true;
    }

    private AuthOutcome Conclude(CredentialTable table, int index, PeerSession session)
    {
        if (index >= 0)
        {
            session.SignIn(table.UserAt(index));
            return AuthOutcome.Success;
        }

        AuthCounters.Increment(ref Counters.Errors);
        var blocked = Limiter.RecordFailure(session.Address);
        RecordFailure(session, blocked ? "block" : "refuse");
        return AuthOutcome.Failure;
    }

    /// <summary>
    /// An attempt that failed before any credential check (malformed token, unsupported SASL step or mechanism).
    /// memcached counts the SASL ones in auth_cmds and auth_errors (the SASL library failed them), not the ASCII ones.
    /// </summary>
    public void RecordMalformedAttempt(PeerSession session, bool countAsCheck)
    {
        if (countAsCheck)
        {
            AuthCounters.Increment(ref Counters.Commands);
            AuthCounters.Increment(ref Counters.Errors);
        }

        Limiter.RecordFailure(session.Address);
        RecordFailure(session, "refuse");
    }

    /// <summary>A command refused because the connection has not authenticated.</summary>
    public void RecordUnauthenticatedCommand() => AuthCounters.Increment(ref Counters.UnauthenticatedCommands);

    /// <summary>A connection closed by --auth-timeout.</summary>
    public void RecordTimeout(PeerSession session)
    {
        AuthCounters.Increment(ref Counters.Timeouts);
        ReportFailure(session, "close", [], "not authenticated within --auth-timeout");
    }

    /// <summary>Issues a UDP token bound to the session's address and user, and remembers the user for UDP.</summary>
    public string IssueUdpToken(AddressValidationTokens tokens, PeerSession session)
    {
        var user = session.User ?? throw new InvalidOperationException("Only an authenticated session gets an auth-bound token.");
        TokenIdentities.Record(session.Address, user);
        return tokens.Issue(session.Address, user);
    }

    /// <summary>
    /// Verifies a UDP request's token as auth-bound to one of the users that asked for a token from
    /// <paramref name="address"/> and still exist in the credentials (a user removed by a reload loses UDP too).
    /// </summary>
    public TokenCheck VerifyUdpToken(AddressValidationTokens tokens, ReadOnlySpan<byte> token, ReadOnlySpan<byte> address)
    {
        var result = TokenCheck.Invalid;
        var table = _credentials;
        foreach (var user in TokenIdentities.For(address))
        {
            if (!table.HasUser(user))
            {
                continue;
            }

            var check = tokens.Verify(token, address, user);
            if (check == TokenCheck.Valid)
            {
                return check;
            }

            if (check == TokenCheck.Expired)
            {
                result = check;
            }
        }

        return result;
    }

    /// <summary>
    /// Re-reads the credential file; on failure the previous credentials stay in force and the error says so. An
    /// empty file fails too: it would lock every client out, and is what a reload sees while an editor or a deploy
    /// script has truncated the file and not yet written it (memcached 1.6.18 accepts it and refuses everyone).
    /// </summary>
    public void Reload()
    {
        CredentialTable loaded;
        try
        {
            loaded = CredentialTable.Load(_path, Sasl ? CredentialFormat.SaslPasswordDatabase : CredentialFormat.AsciiAuthFile);
        }
        catch (CredentialFileException error)
        {
            throw new InvalidOperationException(
                MemcachedFlagParser.DescribeCredentialError(_path, Sasl, error) + $"; keeping the previous {_credentials.Count} entries",
                error);
        }

        if (loaded.Count == 0)
        {
            throw new InvalidOperationException(
                $"{(Sasl ? "Sasl password database" : "Authfile")} [{_path}] is empty; keeping the previous {_credentials.Count} entries");
        }

        _credentials = loaded;
    }

    /// <summary>
    /// -S sends passwords in clear (PLAIN): warn at start when a plain (non-TLS) listener is reachable from other
    /// hosts; TLS listeners (-Z, not notls:) and loopback-only ones need no warning.
    /// </summary>
    public void ReportStartupWarnings()
    {
        var options = _options;
        if (!Sasl)
        {
            return;
        }

        foreach (var (endPoint, tlsMode) in Tls.TlsListeners.EndPoints(options))
        {
            var address = endPoint.Address;
            var plain = !options.TlsEnabled || tlsMode == TlsListenerMode.None;
            if (!plain || IPAddress.IsLoopback(address))
            {
                continue;
            }

            var message = $"WARNING: -S (SASL PLAIN) sends passwords in clear text and {address} is not a loopback address: enable TLS (-Z) or listen on loopback only";
            Console.Error.WriteLine(message);
            _securityLog().Report(new SecurityEvent
            {
                Kind = SecurityEventKind.ConfigWarning,
                Transport = "config",
                Action = "warn",
                Detail = message,
            });
        }
    }

    private void RecordFailure(PeerSession session, string action)
    {
        AuthCounters.Increment(ref Counters.Failures);
        ReportFailure(session, action, Sasl ? "sasl_auth"u8 : "set"u8, detail: null);
    }

    private void ReportFailure(PeerSession session, string action, ReadOnlySpan<byte> command, string? detail) =>
        _securityLog().Report(new SecurityEvent
        {
            Kind = SecurityEventKind.AuthFailure,
            Transport = "tcp",
            Source = session.Address,
            SourcePort = session.Port,
            Command = command,
            Action = action,
            Detail = detail,
        });

    private CredentialTable LoadOrThrow()
    {
        try
        {
            return CredentialTable.Load(_path, Sasl ? CredentialFormat.SaslPasswordDatabase : CredentialFormat.AsciiAuthFile);
        }
        catch (CredentialFileException error)
        {
            throw new InvalidOperationException(MemcachedFlagParser.DescribeCredentialError(_path, Sasl, error), error);
        }
    }
}
