using System.Buffers;
using System.Net;
using Moat.Protocol;
using Moat.Protocol.Text;
using Moat.Server.Crawler;

namespace Moat.Server.Text;

/// <summary>
/// The "lru_crawler" text command with memcached 1.6.18's replies and checks, in its order (process_lru_crawler_command):
/// crawl, metadump, tocrawl, sleep, enable, disable. No subcommand takes noreply.
/// </summary>
internal static class LruCrawlerCommand
{
    /// <summary>
    /// Runs the command. A metadump that started is returned for the caller to stream (its first part is not yet
    /// written); every other outcome is answered here. repliesPending: replies of earlier commands of the same read
    /// are not sent yet (memcached refuses to start a metadump behind them).
    /// </summary>
    public static MetadumpStream? Execute(MoatServerContext context, in TextTokens tokens, IPAddress? peer, bool repliesPending, IBufferWriter<byte> output)
    {
        var n = tokens.MemcachedCount;
        var crawler = context.Crawler;
        if (n == 4 && tokens[1].SequenceEqual("crawl"u8))
        {
            Crawl(context, tokens[2], output);
            return null;
        }

        if (n == 4 && tokens[1].SequenceEqual("metadump"u8))
        {
            return Metadump(context, tokens[2], peer, repliesPending, output);
        }

        if (n == 4 && tokens[1].SequenceEqual("tocrawl"u8))
        {
            if (!AsciiNumber.TryParseUInt32(tokens[2], out var toCrawl))
            {
                TextResponseWriter.Write(output, TextReply.BadCommandLineFormat);
                return null;
            }

            crawler.ToCrawl = toCrawl;
            TextResponseWriter.Write(output, TextReply.Ok);
            return null;
        }

        if (n == 4 && tokens[1].SequenceEqual("sleep"u8))
        {
            if (!AsciiNumber.TryParseUInt32(tokens[2], out var sleep))
            {
                TextResponseWriter.Write(output, TextReply.BadCommandLineFormat);
            }
            else if (sleep > 1_000_000)
            {
                output.Write("CLIENT_ERROR sleep must be one second or less\r\n"u8);
            }
            else
            {
                crawler.SleepMicroseconds = (int)sleep;
                TextResponseWriter.Write(output, TextReply.Ok);
            }

            return null;
        }

        if (n == 3 && tokens[1].SequenceEqual("enable"u8))
        {
            if (crawler.Enable())
            {
                TextResponseWriter.Write(output, TextReply.Ok);
            }
            else
            {
                output.Write("ERROR failed to start lru crawler thread\r\n"u8);
            }

            return null;
        }

        if (n == 3 && tokens[1].SequenceEqual("disable"u8))
        {
            crawler.Disable();
            TextResponseWriter.Write(output, TextReply.Ok);
            return null;
        }

        TextResponseWriter.Write(output, TextReply.Error);
        return null;
    }

    private static void Crawl(MoatServerContext context, ReadOnlySpan<byte> argument, IBufferWriter<byte> output)
    {
        var crawler = context.Crawler;
        if (!crawler.Enabled)
        {
            output.Write("CLIENT_ERROR lru crawler disabled\r\n"u8);
            return;
        }

        var classes = ClassSelection.Parse(argument, out var error);
        if (classes is null)
        {
            output.Write(error);
            return;
        }

        if (!TryStart(crawler, classes, output))
        {
            return;
        }

        if (classes.IsHashWalk)
        {
            // memcached walks the hash table for metadump only; a crawl of "hash" fails after the busy check.
            crawler.Finish();
            output.Write("ERROR an unknown error happened\r\n"u8);
            return;
        }

        crawler.StartCrawl(context.Store, classes);
        TextResponseWriter.Write(output, TextReply.Ok);
    }

    private static MetadumpStream? Metadump(MoatServerContext context, ReadOnlySpan<byte> argument, IPAddress? peer, bool repliesPending, IBufferWriter<byte> output)
    {
        var crawler = context.Crawler;
        if (!crawler.Enabled)
        {
            output.Write("CLIENT_ERROR lru crawler disabled\r\n"u8);
            return null;
        }

        // -X refuses it as memcached does; Moat also refuses peers that may not dump keys (loopback only by default).
        if (!context.Options.DumpEnabled || !Hardening.DumpPolicy.AllowsPeer(peer, context.Options.DumpRemote))
        {
            output.Write("ERROR metadump not allowed\r\n"u8);
            return null;
        }

        if (repliesPending)
        {
            output.Write("ERROR cannot pipeline other commands before metadump\r\n"u8);
            return null;
        }

        var classes = ClassSelection.Parse(argument, out var error);
        if (classes is null)
        {
            output.Write(error);
            return null;
        }

        if (!TryStart(crawler, classes, output))
        {
            return null;
        }

        try
        {
            return new MetadumpStream(crawler, context.Store.BeginWalk(), classes);
        }
        catch (ObjectDisposedException)
        {
            crawler.Finish();
            output.Write("ERROR an unknown error happened\r\n"u8);
            return null;
        }
    }

    /// <summary>memcached's lru_crawler_start order: a running crawler answers BUSY before an empty list answers NOTSTARTED.</summary>
    private static bool TryStart(LruCrawler crawler, ClassSelection classes, IBufferWriter<byte> output)
    {
        if (crawler.Running)
        {
            output.Write(Busy);
            return false;
        }

        if (classes.IsEmpty)
        {
            output.Write("NOTSTARTED no items to crawl\r\n"u8);
            return false;
        }

        if (!crawler.TryStart())
        {
            output.Write(Busy);
            return false;
        }

        return true;
    }

    private static ReadOnlySpan<byte> Busy => "BUSY currently processing crawler request\r\n"u8;
}
