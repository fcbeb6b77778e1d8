using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Moat.Defense.Analysis;
using Moat.Defense.Capture;
using Moat.Defense.Decoding;
using Moat.Defense.Flows;
using Moat.Defense.Reports;

namespace Moat.Defense.Cli;

/// <summary>
/// <c>--listen-flows</c>: a NetFlow v5/v9/IPFIX collector on one UDP socket. One thread receives and decodes
/// (decoding is far faster than any exporter sends); memory is one 64 KiB datagram buffer plus the decoder's
/// and the analyzer's bounded state. Stops on SIGINT/SIGTERM, after <c>--duration</c>, or <c>--idle</c> after
/// the last datagram.
/// </summary>
internal static class FlowCollector
{
    private const int PollMicroseconds = 100_000;

    /// <summary>Asked of the kernel so a burst of exports (an exporter flushing its cache) is not dropped; it may grant less.</summary>
    private const int ReceiveBufferBytes = 8 << 20;

    /// <summary>Collects until a stop condition; null (after a message on stderr) when the address cannot be bound.</summary>
    public static InputSummary? Run(DetectSettings settings, DetectAnalyzer analyzer, TextWriter stderr)
    {
        var endpoint = settings.ListenFlows!;
        var name = endpoint.AddressFamily == AddressFamily.InterNetworkV6 ? $"udp://[{endpoint.Address}]:{endpoint.Port}" : $"udp://{endpoint}";
        var warnings = new CaptureWarnings();
        var statistics = new FlowStatistics(warnings);
        using var socket = new Socket(endpoint.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            socket.ReceiveBufferSize = ReceiveBufferBytes;
            socket.Bind(endpoint);
        }
        catch (SocketException error)
        {
            stderr.WriteLine($"moat detect: cannot listen on {name}: {error.Message}");
            return null;
        }

        stderr.WriteLine($"moat detect: collecting NetFlow/IPFIX on {name}");
        stderr.Flush();
        var decoder = new NetFlowDecoder(statistics, settings.Options.FlowSamplingRate);
        var sink = new FlowInputSink(analyzer);
        var buffer = new byte[65536];
        var sender = new SocketAddress(endpoint.AddressFamily);
        var clock = Stopwatch.StartNew();
        TimeSpan? lastDatagram = null;
        long bytes = 0;
        using var stop = new LiveStop();
        while (!stop.Requested.IsSet)
        {
            if (clock.Elapsed >= settings.Duration || (lastDatagram is { } last && clock.Elapsed - last >= settings.Idle))
            {
                break;
            }

            if (!socket.Poll(PollMicroseconds, SelectMode.SelectRead))
            {
                continue;
            }

            int received;
            try
            {
                received = socket.ReceiveFrom(buffer, SocketFlags.None, sender);
            }
            catch (SocketException)
            {
                // An ICMP error queued on the socket, for instance: nothing to decode, keep collecting.
                continue;
            }

            lastDatagram = clock.Elapsed;
            bytes += received;
            var (exporter, port) = Exporter(sender);
            decoder.Decode(buffer.AsSpan(0, received), exporter, port, sink);
        }

        return new InputSummary(name, "netflow", [], 0, bytes, sink.FirstNs, sink.LastNs, [.. warnings.Lines()], statistics);
    }

    /// <summary>The sender's address and port from the raw sockaddr (no allocation per datagram).</summary>
    private static (IpKey Address, int Port) Exporter(SocketAddress address)
    {
        var raw = address.Buffer.Span;
        var port = (raw[2] << 8) | raw[3];
        return address.Family == AddressFamily.InterNetworkV6 ? (IpKey.FromV6(raw.Slice(8, 16)), port) : (IpKey.FromV4(raw.Slice(4, 4)), port);
    }
}
