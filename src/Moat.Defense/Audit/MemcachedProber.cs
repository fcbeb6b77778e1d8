using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Text;

namespace Moat.Defense.Audit;

/// <summary>
/// The checks of docs/defense.md#what-it-checks-per-target for one target: TCP state, protocol and auth, settings, UDP
/// exposure and the bounded UDP amplification measurement. Sends only to the target; at most 4 TCP commands and 3 UDP
/// datagrams (+ retries of the version probe); never anything but version/get-miss/stats over UDP.
/// </summary>
internal sealed class MemcachedProber
{
    private const int HeaderLength = 8;

    private readonly IAuditNetwork _network;
    private readonly AuditOptions _options;
    private readonly ProbePacer _pacer;

    public MemcachedProber(IAuditNetwork network, AuditOptions options, ProbePacer pacer)
    {
        _network = network;
        _options = options;
        _pacer = pacer;
    }

    public async Task<TargetResult> ProbeAsync(AuditTarget target, CancellationToken cancellation)
    {
        var result = new TargetResult(target);
        await ProbeTcpAsync(result, secure: false, cancellation);
        if (result.TcpState == "open" && !result.Ascii && !result.Binary && await DetectTlsAsync(result, cancellation) && _options.Tls)
        {
            // The plaintext probes met a TLS port; with --tls every TCP check runs again over TLS.
            await ProbeTcpAsync(result, secure: true, cancellation);
        }

        if (!_options.NoUdp)
        {
            await ProbeUdpAsync(result, cancellation);
        }

        FindingRules.Apply(result);
        return result;
    }

    private async Task ProbeTcpAsync(TargetResult result, bool secure, CancellationToken cancellation)
    {
        var connection = await ConnectAsync(result, cancellation);
        if (connection is null)
        {
            return;
        }

        try
        {
            connection = await SecureAsync(connection, result, secure, cancellation);
            var line = new ProbeLine(connection, _options.Timeout);
            await _pacer.WaitAsync(cancellation);
            var reply = await line.RequestLineAsync("version\r\n", cancellation);
            result.Evidence.Add($"tcp> version  tcp< {Printable(reply ?? Encoding.Latin1.GetString(line.Pending))}");
            if (reply is not null && reply.StartsWith("VERSION ", StringComparison.Ordinal))
            {
                result.Ascii = true;
                result.Auth = "none";
                result.Version = reply[8..].Trim();
            }
            else if (reply is not null && reply.StartsWith("CLIENT_ERROR unauthenticated", StringComparison.Ordinal))
            {
                result.Ascii = true;
                result.Auth = "ascii";
                if (_options.User is not null && _options.Password is not null)
                {
                    await AuthenticateAsciiAsync(result, line, cancellation);
                }
            }
            else if (line.Pending.Length >= 2 && line.Pending[0] == 0x15 && line.Pending[1] == 0x03)
            {
                result.Tls = true;
                result.Auth = "unknown";
                result.Evidence.Add("the server answered plaintext with a TLS alert: TLS is required (certificate details not probed)");
                return;
            }
            else
            {
                connection.Dispose();
                connection = null;
                await ProbeBinaryAsync(result, secure, cancellation);
                return;
            }

            if (result.Auth == "none" || result.Authenticated)
            {
                await ReadSettingsAsync(result, line, cancellation);
            }
        }
        catch (Exception error) when (error is SocketException or IOException or AuthenticationException)
        {
            result.Evidence.Add($"tcp: {error.Message}");
        }
        finally
        {
            connection?.Dispose();
        }
    }

    private async Task<IAuditConnection?> ConnectAsync(TargetResult result, CancellationToken cancellation)
    {
        for (var attempt = 0; attempt <= _options.Retries; attempt++)
        {
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
            deadline.CancelAfter(_options.Timeout);
            var clock = Stopwatch.StartNew();
            try
            {
                await _pacer.WaitAsync(cancellation);
                var connection = await _network.ConnectTcpAsync(result.Target.TcpEndPoint, deadline.Token);
                result.TcpState = "open";
                result.TcpLatencyMs = Math.Round(clock.Elapsed.TotalMilliseconds, 3);
                return connection;
            }
            catch (SocketException error) when (error.SocketErrorCode == SocketError.ConnectionRefused)
            {
                result.TcpState = "closed";
                result.Evidence.Add($"tcp connect {result.Target.Display}: refused (RST)");
                return null;
            }
            catch (OperationCanceledException) when (!cancellation.IsCancellationRequested)
            {
                result.TcpState = "filtered";
            }
            catch (SocketException error)
            {
                result.TcpState = "filtered";
                result.Evidence.Add($"tcp connect {result.Target.Display}: {error.SocketErrorCode}");
                return null;
            }
        }

        result.Evidence.Add($"tcp connect {result.Target.Display}: no answer within {_options.Timeout.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s");
        return null;
    }

    private async Task AuthenticateAsciiAsync(TargetResult result, ProbeLine line, CancellationToken cancellation)
    {
        var token = $"{_options.User} {_options.Password}";
        await _pacer.WaitAsync(cancellation);
        var reply = await line.RequestLineAsync($"set auth 0 0 {Encoding.UTF8.GetByteCount(token)}\r\n{token}\r\n", cancellation);
        result.Evidence.Add($"tcp> set auth (credentials)  tcp< {Printable(reply)}");
        if (reply == "STORED\r\n")
        {
            result.Authenticated = true;
        }
    }

    /// <summary>
    /// <c>stats</c> gives the version (after authentication the only way to learn it within four commands)
    /// and <c>moat_version</c>, which tells Moat apart from memcached: both answer <c>VERSION 1.6.18</c>.
    /// </summary>
    private async Task ReadGeneralStatsAsync(TargetResult result, ProbeLine line, CancellationToken cancellation)
    {
        await _pacer.WaitAsync(cancellation);
        var stats = await line.RequestBlockAsync("stats\r\n", "END\r\n", cancellation);
        foreach (var (key, value) in ParseStats(stats))
        {
            if (key == "version")
            {
                result.Version ??= value;
            }
            else if (key == "moat_version")
            {
                result.MoatVersion = value;
            }
        }

        result.Evidence.Add($"tcp> stats  tcp< {(result.IsMoat ? $"moat_version {result.MoatVersion}" : "no moat_version (memcached)")}");
    }

    private async Task ReadSettingsAsync(TargetResult result, ProbeLine line, CancellationToken cancellation)
    {
        await ReadGeneralStatsAsync(result, line, cancellation);
        await _pacer.WaitAsync(cancellation);
        var settings = await line.RequestBlockAsync("stats settings\r\n", "END\r\n", cancellation);
        foreach (var (key, value) in ParseStats(settings))
        {
            result.Settings[key] = value;
        }

        result.Evidence.Add($"tcp> stats settings  tcp< {result.Settings.Count} settings");
        if (result.Authenticated)
        {
            // Four commands per target (version, auth, stats, stats settings): the slab probe is skipped.
            result.Evidence.Add("stats slabs skipped (authenticated session already used its command budget)");
            return;
        }

        await _pacer.WaitAsync(cancellation);
        var slabs = await line.RequestBlockAsync("stats slabs\r\n", "END\r\n", cancellation);
        var chunks = new Dictionary<string, long>(StringComparer.Ordinal);
        var used = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var (key, value) in ParseStats(slabs))
        {
            var colon = key.IndexOf(':', StringComparison.Ordinal);
            if (colon < 0 || !long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var number))
            {
                continue;
            }

            var field = key[(colon + 1)..];
            if (field == "chunk_size")
            {
                chunks[key[..colon]] = number;
            }
            else if (field == "used_chunks")
            {
                used[key[..colon]] = number;
            }
        }

        var inUse = chunks.Where(c => used.GetValueOrDefault(c.Key) > 0).Select(c => c.Value).ToList();
        if (inUse.Count > 0)
        {
            result.LargestChunk = inUse.Max();
            result.Evidence.Add($"stats slabs: largest chunk size in use {result.LargestChunk} bytes");
        }
    }

    private async Task ProbeBinaryAsync(TargetResult result, bool secure, CancellationToken cancellation)
    {
        IAuditConnection connection;
        try
        {
            await _pacer.WaitAsync(cancellation);
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
            deadline.CancelAfter(_options.Timeout);
            connection = await _network.ConnectTcpAsync(result.Target.TcpEndPoint, deadline.Token);
            connection = await SecureAsync(connection, result, secure, cancellation);
        }
        catch (Exception error) when (error is SocketException or IOException or AuthenticationException or OperationCanceledException && !cancellation.IsCancellationRequested)
        {
            result.Evidence.Add("binary probe: could not reconnect");
            return;
        }

        using (connection)
        {
            var line = new ProbeLine(connection, _options.Timeout);
            await _pacer.WaitAsync(cancellation);
            var reply = await line.RequestBytesAsync(BinaryRequest(0x0B), 24, cancellation);
            if (reply is null || reply.Length < 24 || reply[0] != 0x81)
            {
                result.Auth = "unknown";
                result.Evidence.Add($"binary VERSION: {(reply is null ? "no reply" : Convert.ToHexString(reply.AsSpan(0, Math.Min(16, reply.Length))))}");
                return;
            }

            result.Binary = true;
            var status = BinaryPrimitives.ReadUInt16BigEndian(reply.AsSpan(6));
            var body = BinaryPrimitives.ReadInt32BigEndian(reply.AsSpan(8));
            if (status == 0x20)
            {
                result.Auth = "sasl";
                await _pacer.WaitAsync(cancellation);
                var mechanisms = await line.RequestBytesAsync(BinaryRequest(0x20), 24, cancellation);
                var text = mechanisms is { Length: > 24 } ? Encoding.ASCII.GetString(mechanisms, 24, mechanisms.Length - 24) : "-";
                result.Evidence.Add($"binary VERSION: status 0x0020 (auth required); LIST_MECHS: {Printable(text)}");
                return;
            }

            result.Auth = "none";
            if (status == 0 && body > 0 && reply.Length >= 24 + body)
            {
                result.Version = Encoding.ASCII.GetString(reply, 24, body);
            }

            result.Evidence.Add($"binary VERSION: status 0x{status:X4} {result.Version}");
        }
    }

    /// <summary>A TLS handshake on a fresh connection after the plaintext probes got no memcached answer.</summary>
    private async Task<bool> DetectTlsAsync(TargetResult result, CancellationToken cancellation)
    {
        var connection = await ConnectAsync(result, cancellation);
        if (connection is null)
        {
            return false;
        }

        try
        {
            using var secured = await SecureAsync(connection, result, secure: true, cancellation);
        }
        catch (Exception error) when (error is SocketException or IOException or AuthenticationException)
        {
            result.Evidence.Add($"tls handshake: {error.Message}");
            return false;
        }

        result.TlsRequired = true;
        if (!_options.Tls)
        {
            result.Evidence.Add("the port requires TLS: run the audit again with --tls to check it over TLS");
        }

        return true;
    }

    private async Task<IAuditConnection> SecureAsync(IAuditConnection connection, TargetResult result, bool secure, CancellationToken cancellation)
    {
        if (!secure)
        {
            return connection;
        }

        await _pacer.WaitAsync(cancellation);
        var (secured, details) = await TlsProbe.HandshakeAsync(connection, result.Target, _options.Timeout, cancellation);
        if (result.TlsDetails is null)
        {
            TlsProbe.Record(result, details);
        }

        return secured;
    }

    private async Task ProbeUdpAsync(TargetResult result, CancellationToken cancellation)
    {
        var port = _options.UdpPort
            ?? (result.Settings.TryGetValue("udpport", out var configured) && int.TryParse(configured, NumberStyles.None, CultureInfo.InvariantCulture, out var udp) && udp > 0 ? udp : result.Target.Port);
        result.UdpPort = port;
        var endPoint = new IPEndPoint(result.Target.Address, port);
        using var socket = _network.OpenUdp(endPoint);
        var refused = false;

        for (var attempt = 0; attempt <= _options.Retries && result.VersionReplyBytes is null; attempt++)
        {
            var requestId = NewRequestId();
            var (datagrams, wasRefused) = await ExchangeAsync(socket, Request(requestId, "version\r\n"), requestId, single: true, cancellation);
            refused |= wasRefused;
            if (datagrams.Count > 0)
            {
                result.VersionReplyBytes = datagrams[0].Length;
                result.Evidence.Add($"udp> version (17 B, reqid {requestId})  udp< {datagrams[0].Length} B {Printable(Encoding.Latin1.GetString(datagrams[0], HeaderLength, datagrams[0].Length - HeaderLength))}");
            }

            if (wasRefused)
            {
                break;
            }
        }

        if (result.VersionReplyBytes is null && !refused)
        {
            var key = RandomKey();
            var requestId = NewRequestId();
            var (datagrams, wasRefused) = await ExchangeAsync(socket, Request(requestId, $"get {key}\r\n"), requestId, single: true, cancellation);
            refused |= wasRefused;
            result.MissProbeAnswered = datagrams.Count > 0;
            result.Evidence.Add($"udp> get <random key> (30 B)  udp< {(datagrams.Count > 0 ? $"{datagrams[0].Length} B" : "nothing")}");
        }

        if (result.VersionReplyBytes is null && !result.MissProbeAnswered)
        {
            result.UdpState = refused ? "closed" : "filtered";
            result.Evidence.Add($"udp {port}: {(refused ? "ICMP port unreachable" : "no answer")}");
            return;
        }

        result.UdpState = result.VersionReplyBytes is not null ? "answers" : "guarded";
        var isV6 = result.Target.Address.AddressFamily == AddressFamily.InterNetworkV6;
        result.Stats = await MeasureAsync(socket, "stats\r\n", isV6, cancellation);
        result.Evidence.Add($"udp> stats (15 B)  udp< {result.Stats.Datagrams} datagrams, {result.Stats.ResponseBytes} B, BAF {result.Stats.Baf.ToString("F1", CultureInfo.InvariantCulture)}");
        if (_options.MeasureGetKey is { } getKey)
        {
            result.Get = await MeasureAsync(socket, $"get {getKey}\r\n", isV6, cancellation);
            result.Evidence.Add($"udp> get {getKey} ({result.Get.RequestBytes} B)  udp< {result.Get.Datagrams} datagrams, {result.Get.ResponseBytes} B");
        }
    }

    private async Task<UdpMeasurement> MeasureAsync(IAuditDatagramSocket socket, string command, bool isV6, CancellationToken cancellation)
    {
        var requestId = NewRequestId();
        var request = Request(requestId, command);
        var (datagrams, _) = await ExchangeAsync(socket, request, requestId, single: false, cancellation);
        var expected = datagrams.Count > 0 ? BinaryPrimitives.ReadUInt16BigEndian(datagrams[0].AsSpan(4)) : 0;
        return new UdpMeasurement(request.Length, datagrams.Sum(d => (long)d.Length), datagrams.Count, expected, isV6);
    }

    /// <summary>Sends one datagram and collects replies carrying its request id (others are ignored).</summary>
    private async Task<(List<byte[]> Datagrams, bool Refused)> ExchangeAsync(IAuditDatagramSocket socket, byte[] request, ushort requestId, bool single, CancellationToken cancellation)
    {
        var datagrams = new List<byte[]>();
        var sequences = new HashSet<int>();
        var buffer = new byte[65536];
        long collected = 0;
        await _pacer.WaitAsync(cancellation);
        await socket.SendAsync(request, cancellation);
        var overall = Stopwatch.StartNew();
        while (overall.Elapsed < _options.MaxMeasureTime && collected < _options.MaxMeasureBytes)
        {
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
            deadline.CancelAfter(_options.Timeout);
            int length;
            try
            {
                length = await socket.ReceiveAsync(buffer, deadline.Token);
            }
            catch (OperationCanceledException) when (!cancellation.IsCancellationRequested)
            {
                break;
            }
            catch (SocketException error) when (error.SocketErrorCode is SocketError.ConnectionRefused or SocketError.ConnectionReset)
            {
                return (datagrams, true);
            }

            if (length < HeaderLength || BinaryPrimitives.ReadUInt16BigEndian(buffer) != requestId)
            {
                continue;
            }

            datagrams.Add(buffer.AsSpan(0, length).ToArray());
            collected += length;
            sequences.Add(BinaryPrimitives.ReadUInt16BigEndian(buffer.AsSpan(2)));
            var total = BinaryPrimitives.ReadUInt16BigEndian(buffer.AsSpan(4));
            if (single || sequences.Count >= total)
            {
                break;
            }
        }

        return (datagrams, false);
    }

    private static byte[] Request(ushort requestId, string command)
    {
        var body = Encoding.ASCII.GetBytes(command);
        var datagram = new byte[HeaderLength + body.Length];
        BinaryPrimitives.WriteUInt16BigEndian(datagram, requestId);
        BinaryPrimitives.WriteUInt16BigEndian(datagram.AsSpan(4), 1);
        body.CopyTo(datagram, HeaderLength);
        return datagram;
    }

    private static byte[] BinaryRequest(byte opcode)
    {
        var header = new byte[24];
        header[0] = 0x80;
        header[1] = opcode;
        return header;
    }

    private static ushort NewRequestId() => (ushort)RandomNumberGenerator.GetInt32(1, 65536);

    private static string RandomKey()
    {
        const string Alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
        return RandomNumberGenerator.GetString(Alphabet, 16);
    }

    private static IEnumerable<(string Key, string Value)> ParseStats(string? block)
    {
        if (block is null)
        {
            yield break;
        }

        foreach (var raw in block.Split("\r\n"))
        {
            if (!raw.StartsWith("STAT ", StringComparison.Ordinal))
            {
                continue;
            }

            var space = raw.IndexOf(' ', 5);
            if (space > 5)
            {
                yield return (raw[5..space], raw[(space + 1)..]);
            }
        }
    }

    private static string Printable(string? text)
    {
        if (text is null)
        {
            return "(nothing)";
        }

        var clipped = text.Length > 80 ? text[..80] + "..." : text;
        var builder = new StringBuilder();
        foreach (var c in clipped)
        {
            builder.Append(c switch
            {
                '\r' => "\\r",
                '\n' => "\\n",
                _ when c < ' ' || c > '~' => $"\\x{(int)c:x2}",
                _ => c.ToString(),
            });
        }

        return builder.ToString();
    }
}
