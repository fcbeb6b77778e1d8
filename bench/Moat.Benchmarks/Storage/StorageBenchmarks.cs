using System.Buffers.Text;
using BenchmarkDotNet.Attributes;
using Moat.Storage;

namespace Moat.Benchmarks.Storage;

/// <summary>
/// SegmentCacheStore get hit, get miss and set with 100-byte values, on 1 and 2 threads. The reported time is
/// per operation across all threads (wall time / total operations), so 2 threads scaling perfectly halve it.
/// </summary>
[Config(typeof(StorageBenchConfig))]
public class StorageBenchmarks : IDisposable
{
    private const int OperationsPerInvoke = 200_000;
    private const int KeyCount = 100_000;
    private const int KeyLength = 32;

    private readonly byte[] _value = new byte[100];
    private byte[] _keys = [];
    private byte[] _missingKeys = [];
    private SegmentCacheStore? _store;
    private Barrier? _start;
    private Barrier? _done;
    private Thread? _helper;
    private volatile bool _stopping;
    private StorageBenchOperation _operation;

    [Params(1, 2)]
    public int Threads { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _store = new SegmentCacheStore(new CacheStoreOptions { MemoryLimitBytes = 256L * 1024 * 1024 });
        _keys = BuildKeys("key:");
        _missingKeys = BuildKeys("nope:");
        for (var i = 0; i < KeyCount; i++)
        {
            _store.Store(Key(_keys, i), _value, default, out _);
        }

        if (Threads > 1)
        {
            _start = new Barrier(2);
            _done = new Barrier(2);
            _helper = new Thread(HelperLoop) { IsBackground = true };
            _helper.Start();
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        if (_helper is not null)
        {
            _stopping = true;
            _start!.SignalAndWait();
            _helper.Join();
        }

        Dispose();
    }

    [Benchmark(OperationsPerInvoke = OperationsPerInvoke)]
    public void GetHit() => Run(StorageBenchOperation.GetHit);

    [Benchmark(OperationsPerInvoke = OperationsPerInvoke)]
    public void GetMiss() => Run(StorageBenchOperation.GetMiss);

    [Benchmark(OperationsPerInvoke = OperationsPerInvoke)]
    public void Set() => Run(StorageBenchOperation.Set);

    public void Dispose()
    {
        _store?.Dispose();
        _start?.Dispose();
        _done?.Dispose();
        GC.SuppressFinalize(this);
    }

    private void Run(StorageBenchOperation operation)
    {
        if (Threads == 1)
        {
            Loop(operation, 0, OperationsPerInvoke);
            return;
        }

        _operation = operation;
        _start!.SignalAndWait();
        Loop(operation, 0, OperationsPerInvoke / 2);
        _done!.SignalAndWait();
    }

    private void HelperLoop()
    {
        while (true)
        {
            _start!.SignalAndWait();
            if (_stopping)
            {
                return;
            }

            Loop(_operation, 1, OperationsPerInvoke / 2);
            _done!.SignalAndWait();
        }
    }

    private void Loop(StorageBenchOperation operation, int lane, int count)
    {
        var store = _store!;
        var sink = default(CountingSink);
        var index = lane * (KeyCount / 2);
        for (var i = 0; i < count; i++)
        {
            index = index + 7919 >= KeyCount ? index + 7919 - KeyCount : index + 7919;
            switch (operation)
            {
                case StorageBenchOperation.GetHit:
                    store.Read(Key(_keys, index), default, ref sink);
                    break;
                case StorageBenchOperation.GetMiss:
                    store.Read(Key(_missingKeys, index), default, ref sink);
                    break;
                default:
                    store.Store(Key(_keys, index), _value, default, out _);
                    break;
            }
        }

        GC.KeepAlive(sink.Bytes);
    }

    private static ReadOnlySpan<byte> Key(byte[] keys, int index) => keys.AsSpan(index * KeyLength, KeyLength);

    private static byte[] BuildKeys(string prefix)
    {
        var keys = new byte[KeyCount * KeyLength];
        for (var i = 0; i < KeyCount; i++)
        {
            var key = keys.AsSpan(i * KeyLength, KeyLength);
            key.Fill((byte)'x');
            System.Text.Encoding.ASCII.GetBytes(prefix, key);
            Utf8Formatter.TryFormat(i, key[prefix.Length..], out _);
        }

        return keys;
    }
}
