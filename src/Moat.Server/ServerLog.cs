using Microsoft.Extensions.Logging;

namespace Moat.Server;

/// <summary>The server's log messages (source-generated, no formatting cost when disabled).</summary>
internal static partial class ServerLog
{
    [LoggerMessage(Level = LogLevel.Information, Message = "<{Connection} {Command}")]
    public static partial void Command(ILogger logger, long connection, string command);
}
