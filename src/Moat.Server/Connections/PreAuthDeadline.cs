using System.IO.Pipelines;
using Moat.Server.Auth;

namespace Moat.Server.Connections;

/// <summary>
/// --auth-timeout: a connection that has not authenticated in time is closed by cancelling its pending read,
/// the same way the idle timeout ends a connection. One timer per connection, none when authentication is off.
/// </summary>
internal sealed class PreAuthDeadline : IDisposable
{
    private readonly Authenticator _authenticator;
    private readonly PeerSession _session;
    private readonly PipeReader _input;
    private readonly ITimer _timer;
    private volatile bool _expired;

    private PreAuthDeadline(Authenticator authenticator, PeerSession session, PipeReader input, TimeProvider clock, TimeSpan timeout)
    {
        _authenticator = authenticator;
        _session = session;
        _input = input;
        _timer = clock.CreateTimer(static state => ((PreAuthDeadline)state!).Expire(), this, timeout, Timeout.InfiniteTimeSpan);
    }

    /// <summary>True once the deadline passed without authentication (the connection is being closed).</summary>
    public bool Expired => _expired;

    /// <summary>A deadline for <paramref name="session"/>, or null when authentication or its timeout is off.</summary>
    public static PreAuthDeadline? Start(MoatServerContext context, PeerSession session, PipeReader input)
    {
        var seconds = context.Options.AuthTimeoutSeconds;
        return context.Auth is { } authenticator && seconds > 0
            ? new PreAuthDeadline(authenticator, session, input, context.Clock, TimeSpan.FromSeconds(seconds))
            : null;
    }

    public void Dispose() => _timer.Dispose();

    private void Expire()
    {
        if (_session.Authenticated)
        {
            return;
        }

        _expired = true;
        _authenticator.RecordTimeout(_session);
        _input.CancelPendingRead();
    }
}
