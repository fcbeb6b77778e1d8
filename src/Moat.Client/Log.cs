using Microsoft.Extensions.Logging;

namespace Moat.Client;

/// <summary>Source-generated log messages; nothing is logged per operation above Debug.</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Connected to memcached server {Server}")]
    public static partial void Connected(ILogger logger, string server);

    [LoggerMessage(EventId = 2, Level = LogLevel.Warning, Message = "Connection to {Server} lost: {Reason}; reconnecting in {Delay}")]
    public static partial void ConnectionLost(ILogger logger, string server, string reason, TimeSpan delay);

    [LoggerMessage(EventId = 3, Level = LogLevel.Error, Message = "Server {Server} marked failed after {Failures} consecutive failures; skipped for {RetryAfter} ({Reason})")]
    public static partial void ServerMarkedFailed(ILogger logger, string server, int failures, TimeSpan retryAfter, string reason);

    [LoggerMessage(EventId = 4, Level = LogLevel.Information, Message = "Server {Server} answers again")]
    public static partial void ServerRecovered(ILogger logger, string server);

    [LoggerMessage(EventId = 5, Level = LogLevel.Error, Message = "Protocol error from {Server}: {Reason}; resetting the connection")]
    public static partial void ProtocolError(ILogger logger, string server, string reason);
}
