using System.Net;
using System.Net.Sockets;

namespace Moat.Cli.Bench;

/// <summary>
/// <c>moat bench</c>: a memtier_benchmark-like load generator for any memcached-compatible server. It runs inside
/// the same machine as the server in most setups, so it is built to cost little CPU per request: pre-encoded
/// requests, pipelined batches, async sockets, no per-request allocation.
/// </summary>
internal static class BenchCommand
{
    public const int ExitOk = 0;
    public const int ExitFailed = 1;
    public const int ExitUsage = 64;

    private const string InlineCompletionsVariable = "DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS";

    public static async Task<int> RunAsync(string[] args)
    {
        var options = BenchOptions.Parse(args, out var error);
        if (options is null)
        {
            Console.Error.WriteLine($"moat bench: {error}");
            Console.Error.WriteLine(BenchOptions.Usage);
            return ExitUsage;
        }

        if (options.Help)
        {
            Console.WriteLine(BenchOptions.Usage);
            return ExitOk;
        }

        // Run socket continuations on the epoll thread instead of hopping to the thread pool: the connection loops
        // never block, and on 2 shared cores this nearly doubles what the generator can drive (measured: 46k -> 77k
        // ops/s against memcached, 50 connections, no pipelining). Read once by the socket engine, so it must be set
        // before the first socket exists; an explicit setting by the user wins.
        if (Environment.GetEnvironmentVariable(InlineCompletionsVariable) is null)
        {
            Environment.SetEnvironmentVariable(InlineCompletionsVariable, "1");
        }

        return await RunAsync(options, TimeProvider.System).ConfigureAwait(false);
    }

    internal static async Task<int> RunAsync(BenchOptions options, TimeProvider time)
    {
        BenchResult result;
        try
        {
            result = await ExecuteAsync(options, time);
        }
        catch (Exception e) when (e is SocketException or IOException or InvalidDataException or OperationCanceledException)
        {
            Console.Error.WriteLine($"moat bench: {options.Host}:{options.Port}: {e.Message}");
            return ExitFailed;
        }

        if (options.Json)
        {
            using var stdout = Console.OpenStandardOutput();
            BenchReport.WriteJson(result, stdout);
        }
        else
        {
            BenchReport.WriteText(result, Console.Out);
        }

        return ExitOk;
    }

    internal static async Task<BenchResult> ExecuteAsync(BenchOptions options, TimeProvider time)
    {
        var endPoint = await ResolveAsync(options);
        var writer = new RequestWriter(options.KeySize, options.ValueSize, options.Protocol);
        var connections = new List<BenchConnection>(options.Connections);
        try
        {
            using (var connectTimeout = new CancellationTokenSource(TimeSpan.FromSeconds(10), time))
            {
                for (var i = 0; i < options.Connections; i++)
                {
                    var seed = options.Seed + ((ulong)i * 0x9E3779B97F4A7C15);
                    connections.Add(await BenchConnection.OpenAsync(endPoint, options, writer, options.Pipeline, seed, connectTimeout.Token));
                }
            }

            var prefillStart = time.GetTimestamp();
            long prefillFailures = 0;
            if (options.Prefill)
            {
                var step = connections.Count;
                var prefills = new Task<long>[connections.Count];
                for (var i = 0; i < connections.Count; i++)
                {
                    prefills[i] = connections[i].PrefillAsync(i, step);
                }

                foreach (var failures in await Task.WhenAll(prefills))
                {
                    prefillFailures += failures;
                }
            }

            var prefillElapsed = options.Prefill ? time.GetElapsedTime(prefillStart) : TimeSpan.Zero;

            var control = new BenchControl(options.Requests);
            var runs = new Task[connections.Count];
            for (var i = 0; i < connections.Count; i++)
            {
                var connection = connections[i];
                runs[i] = Task.Run(() => connection.RunAsync(control));
            }

            var allDone = Task.WhenAll(runs);
            if (options.Warmup > TimeSpan.Zero)
            {
                await Task.WhenAny(allDone, Task.Delay(options.Warmup, time));
            }

            control.Enter(BenchPhase.Measure);
            var cpuBefore = options.ServerPid is { } pidBefore ? ProcessCpuTime.Read(pidBefore) : null;
            var allocatedBefore = GC.GetTotalAllocatedBytes(precise: false);
            var measureStart = time.GetTimestamp();
            if (options.Duration > TimeSpan.Zero)
            {
                await Task.WhenAny(allDone, Task.Delay(options.Duration, time));
                control.Enter(BenchPhase.Stop);
            }

            await allDone;
            var elapsed = time.GetElapsedTime(measureStart);
            var allocated = GC.GetTotalAllocatedBytes(precise: false) - allocatedBefore;
            var cpuAfter = options.ServerPid is { } pidAfter ? ProcessCpuTime.Read(pidAfter) : null;

            var totals = new ConnectionStats();
            string? firstError = null;
            foreach (var connection in connections)
            {
                totals.Add(connection.Stats);
                firstError ??= connection.FirstErrorLine;
            }

            return new BenchResult
            {
                Options = options,
                Totals = totals,
                Elapsed = elapsed,
                PrefillElapsed = prefillElapsed,
                PrefillFailures = prefillFailures,
                ServerCpuSeconds = cpuBefore is { } b && cpuAfter is { } a ? a - b : null,
                FirstErrorLine = firstError,
                GeneratorAllocatedBytes = allocated,
            };
        }
        finally
        {
            foreach (var connection in connections)
            {
                connection.Dispose();
            }
        }
    }

    private static async Task<IPEndPoint> ResolveAsync(BenchOptions options)
    {
        if (IPAddress.TryParse(options.Host, out var address))
        {
            return new IPEndPoint(address, options.Port);
        }

        var addresses = await Dns.GetHostAddressesAsync(options.Host);
        if (addresses.Length == 0)
        {
            throw new SocketException((int)SocketError.HostNotFound);
        }

        return new IPEndPoint(addresses[0], options.Port);
    }
}
