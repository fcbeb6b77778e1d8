using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;

namespace Moat.Cli.Bench;

/// <summary>
/// One client connection of the load generator: a closed loop that writes a batch of <c>pipeline</c> requests into
/// a pre-allocated buffer, sends it with one call, and times every response from the batch's send. The loop is a
/// single async method using the socket's ValueTask overloads, so the steady state allocates nothing.
/// </summary>
internal sealed class BenchConnection : IDisposable
{
    private readonly Socket _socket;
    private readonly RequestWriter _writer;
    private readonly ResponseReader _reader;
    private readonly byte[] _sendBuffer;
    private readonly bool[] _isSet;
    private readonly long[] _keys;
    private readonly byte[] _expected;
    private readonly int _pipeline;
    private readonly BenchOptions _options;
    private ulong _random;

    private BenchConnection(Socket socket, BenchOptions options, RequestWriter writer, int pipeline, ulong seed)
    {
        _socket = socket;
        _options = options;
        _writer = writer;
        _reader = new ResponseReader(options.Protocol);
        _pipeline = pipeline;
        _sendBuffer = new byte[Math.Max(writer.MaxSetLength, writer.MaxGetLength) * pipeline];
        _isSet = new bool[pipeline];
        _keys = new long[pipeline];
        _expected = options.Verify ? new byte[writer.ValueBlockLength] : [];
        _random = seed == 0 ? 1 : seed;
    }

    public ConnectionStats Stats { get; } = new();

    public string? FirstErrorLine => _reader.FirstErrorLine;

    public static async Task<BenchConnection> OpenAsync(
        EndPoint endPoint, BenchOptions options, RequestWriter writer, int pipeline, ulong seed, CancellationToken cancellationToken)
    {
        var socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(endPoint, cancellationToken);
            return new BenchConnection(socket, options, writer, pipeline, seed);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Sets keys first, first + step, ... below the key count, pipelined; returns how many were not STORED.</summary>
    public async Task<long> PrefillAsync(long first, long step)
    {
        long failures = 0;
        var next = first;
        while (next < _options.Keys)
        {
            var length = 0;
            var count = 0;
            while (count < _pipeline && next < _options.Keys)
            {
                length += _writer.WriteSet(_sendBuffer.AsSpan(length), next);
                next += step;
                count++;
            }

            await SendAsync(length);
            for (var i = 0; i < count; i++)
            {
                ResponseKind kind;
                while (!_reader.TryParse(out kind))
                {
                    await ReceiveAsync();
                }

                if (kind != ResponseKind.Stored)
                {
                    failures++;
                }
            }
        }

        return failures;
    }

    public async Task RunAsync(BenchControl control)
    {
        var setShare = _options.SetRatio;
        var mixTotal = (ulong)(_options.SetRatio + _options.GetRatio);
        var keys = (ulong)_options.Keys;
        while (true)
        {
            var phase = control.Phase;
            if (phase == BenchPhase.Stop)
            {
                return;
            }

            var measuring = phase == BenchPhase.Measure;
            var count = measuring ? control.TakeRequests(_pipeline) : _pipeline;
            if (count == 0)
            {
                return;
            }

            var length = 0;
            for (var i = 0; i < count; i++)
            {
                var key = (long)(NextRandom() % keys);
                var isSet = NextRandom() % mixTotal < (ulong)setShare;
                _isSet[i] = isSet;
                _keys[i] = key;
                length += isSet
                    ? _writer.WriteSet(_sendBuffer.AsSpan(length), key)
                    : _writer.WriteGet(_sendBuffer.AsSpan(length), key);
            }

            var sentAt = Stopwatch.GetTimestamp();
            await SendAsync(length);
            for (var i = 0; i < count; i++)
            {
                ExpectReplyTo(i);
                ResponseKind kind;
                while (!_reader.TryParse(out kind))
                {
                    await ReceiveAsync();
                }

                if (measuring)
                {
                    Record(_isSet[i], kind, Stopwatch.GetTimestamp() - sentAt);
                }
            }
        }
    }

    public void Dispose() => _socket.Dispose();

    // With --verify, a get's reply must carry exactly the block written for its key.
    private void ExpectReplyTo(int slot)
    {
        if (_expected.Length == 0 || _isSet[slot])
        {
            _reader.ExpectedData = ReadOnlyMemory<byte>.Empty;
            return;
        }

        _writer.WriteValueBlock(_expected, _keys[slot]);
        _reader.ExpectedData = _expected;
    }

    private void Record(bool isSet, ResponseKind kind, long elapsedTicks)
    {
        var stats = Stats;
        stats.Latency.Record(TicksToNanoseconds(elapsedTicks));
        if (isSet)
        {
            stats.Sets++;
            if (kind != ResponseKind.Stored)
            {
                stats.Errors++;
            }

            return;
        }

        stats.Gets++;
        switch (kind)
        {
            case ResponseKind.Hit:
                stats.Hits++;
                break;
            case ResponseKind.Miss:
                stats.Misses++;
                break;
            case ResponseKind.Mismatch:
                stats.Mismatches++;
                stats.Errors++;
                break;
            default:
                stats.Errors++;
                break;
        }
    }

    private static long TicksToNanoseconds(long ticks) =>
        Stopwatch.Frequency == 1_000_000_000 ? ticks : (long)(ticks * (1e9 / Stopwatch.Frequency));

    // Pooled builders: these complete asynchronously on most receives, and must not allocate a box each time.
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask SendAsync(int length)
    {
        var sent = 0;
        while (sent < length)
        {
            sent += await _socket.SendAsync(_sendBuffer.AsMemory(sent, length - sent), SocketFlags.None);
        }
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask ReceiveAsync()
    {
        var received = await _socket.ReceiveAsync(_reader.FreeSpace(), SocketFlags.None);
        if (received == 0)
        {
            throw new IOException("server closed the connection");
        }

        _reader.Advance(received);
    }

    // xorshift64*: fast, per-connection, reproducible from --seed; not for anything security-relevant.
    private ulong NextRandom()
    {
        var x = _random;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        _random = x;
        return x * 0x2545F4914F6CDD1DUL;
    }
}
