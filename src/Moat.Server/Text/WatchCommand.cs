using System.Buffers;
using Moat.Server.Hardening;
using Moat.Server.Processing;
using Moat.Server.Statistics;
using Moat.Server.Watch;

namespace Moat.Server.Text;

/// <summary>
/// "watch [fetchers|mutations|evictions|connevents|sysevents|rawcmds|proxyreqs|proxyevents|proxyuser ...]", as
/// memcached 1.6.18's process_watch_command: no argument means fetchers; an unknown one is ERROR; "noreply" is
/// taken as memcached takes it (it silences the reply, and as an argument it is unknown, so nothing happens); at most
/// <see cref="WatchLog.WatcherLimit"/> watchers. Beyond memcached, only loopback peers may watch unless
/// -o dump_remote, as for key dumps: the lines carry every key the server sees. Rare, so it may allocate.
/// </summary>
internal static class WatchCommand
{
    /// <summary>memcached tokenizes at most this many tokens (MAX_TOKENS 24, the last one holds the rest).</summary>
    private const int MaxTokens = 24;

    /// <summary>Whether the line's first token is "watch".</summary>
    public static bool Matches(ReadOnlySpan<byte> line)
    {
        var rest = line;
        return TextCommandProcessor.NextToken(ref rest, out var command) && command.SequenceEqual("watch"u8);
    }

    /// <summary>Runs the command; true when the connection has become a watcher (its reply "OK" is written).</summary>
    public static bool Execute(MoatServerContext context, ConnectionCounters counters, ReadOnlySpan<byte> line, IBufferWriter<byte> output)
    {
        var tokens = new List<string>();
        for (var rest = line; tokens.Count < MaxTokens - 1 && TextCommandProcessor.NextToken(ref rest, out var token);)
        {
            tokens.Add(System.Text.Encoding.Latin1.GetString(token));
        }

        var noReply = tokens[^1] == "noreply";
        if (!context.Options.WatchEnabled || !DumpPolicy.AllowsPeer(counters.RemoteEndPoint?.Address, context.Options.DumpRemote))
        {
            return Reply(output, noReply, "CLIENT_ERROR watch commands not allowed\r\n"u8);
        }

        // memcached hands the socket to its logger thread, which cannot send replies still queued before it.
        if (output is CountingBufferWriter { Pending: > 0 })
        {
            return Reply(output, noReply, "ERROR cannot pipeline other commands before watch\r\n"u8);
        }

        var flags = WatchFlags.None;
        foreach (var argument in tokens.Skip(1))
        {
            var flag = argument switch
            {
                "rawcmds" => WatchFlags.RawCmds,
                "evictions" => WatchFlags.Evictions,
                "fetchers" => WatchFlags.Fetchers,
                "mutations" => WatchFlags.Mutations,
                "sysevents" => WatchFlags.SysEvents,
                "connevents" => WatchFlags.ConnEvents,
                "proxyreqs" => WatchFlags.ProxyReqs,
                "proxyevents" => WatchFlags.ProxyEvents,
                "proxyuser" => WatchFlags.ProxyUser,
                _ => WatchFlags.None,
            };
            if (flag == WatchFlags.None)
            {
                return Reply(output, noReply, "ERROR\r\n"u8);
            }

            flags |= flag;
        }

        if (tokens.Count == 1)
        {
            flags = WatchFlags.Fetchers;
        }

        if (context.Watch.TryAdd(flags, out var watcher) != WatchAddResult.Ok)
        {
            return Reply(output, noReply, "WATCHER_TOO_MANY log watcher limit reached\r\n"u8);
        }

        counters.Watcher = watcher;
        output.Write("OK\r\n"u8);
        return true;
    }

    private static bool Reply(IBufferWriter<byte> output, bool noReply, ReadOnlySpan<byte> reply)
    {
        if (!noReply)
        {
            output.Write(reply);
        }

        return false;
    }
}
