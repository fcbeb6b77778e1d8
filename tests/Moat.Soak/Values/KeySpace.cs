using System.Text;

namespace Moat.Soak.Values;

/// <summary>
/// The soak's keys and what the writers have told the server about them, shared by all actors.
/// <list type="bullet">
/// <item><b>Owned keys</b> <c>o:N</c>: each has exactly one writer (N mod writers), which knows the key's state
/// exactly. A state is <c>version &lt;&lt; 16 | appends</c>; <see cref="Floor"/> is the last state the server
/// acknowledged (0xFFFF in the low bits after a delete: every older version is gone), <see cref="MaxSent"/> the
/// highest state ever sent. A hit read by a request sent after the floor was published must not be below it
/// (an older version resurrected) nor above the highest state sent (a version nobody wrote).</item>
/// <item><b>Shared keys</b> <c>s:N</c>: every writer stores, adds, compares-and-swaps and deletes them, racing;
/// a hit must be a valid value whose version was handed out.</item>
/// <item><b>Counters</b> <c>n:N</c>: incremented over all protocols; a value may never exceed the sum of the
/// deltas ever sent, and one connection's successive results must grow unless the counter was re-created
/// (<see cref="CounterEpoch"/> is bumped before every re-creation).</item>
/// </list>
/// Some owned keys have long names (up to 250 bytes). Popularity is Zipf-like (<see cref="ZipfSampler"/>).
/// </summary>
public sealed class KeySpace
{
    public const long DeletedAppends = 0xFFFF;

    private readonly long[] _floor;
    private readonly long[] _maxSent;
    private readonly int[] _sharedVersion;
    private readonly long[] _counterSent;
    private readonly int[] _counterEpoch;

    public KeySpace(int ownedKeys, int sharedKeys, int counters)
    {
        Owned = new string[ownedKeys];
        for (var i = 0; i < ownedKeys; i++)
        {
            Owned[i] = OwnedName(i);
        }

        Shared = Enumerable.Range(0, sharedKeys).Select(i => ValueCodec.Key("s:", i)).ToArray();
        Counters = Enumerable.Range(0, counters).Select(i => ValueCodec.Key("n:", i)).ToArray();
        _floor = new long[ownedKeys];
        _maxSent = new long[ownedKeys];
        _sharedVersion = new int[sharedKeys];
        _counterSent = new long[counters];
        _counterEpoch = new int[counters];
    }

    public string[] Owned { get; }

    public string[] Shared { get; }

    public string[] Counters { get; }

    public static long State(uint version, int appends) => ((long)version << 16) | (uint)appends;

    public long Floor(int key) => Volatile.Read(ref _floor[key]);

    public void SetFloor(int key, long state) => Volatile.Write(ref _floor[key], state);

    public long MaxSent(int key) => Volatile.Read(ref _maxSent[key]);

    public void Sent(int key, long state) => Volatile.Write(ref _maxSent[key], Math.Max(state, _maxSent[key]));

    /// <summary>A fresh version for a shared key (unique across writers).</summary>
    public uint NextSharedVersion(int key) => (uint)Interlocked.Increment(ref _sharedVersion[key]);

    public uint SharedVersionsIssued(int key) => (uint)Volatile.Read(ref _sharedVersion[key]);

    /// <summary>Records a delta about to be sent; returns nothing, the total only grows.</summary>
    public void CounterDelta(int counter, long delta) => Interlocked.Add(ref _counterSent[counter], delta);

    public long CounterTotal(int counter) => Interlocked.Read(ref _counterSent[counter]);

    public int CounterEpoch(int counter) => Volatile.Read(ref _counterEpoch[counter]);

    public void CounterRecreating(int counter) => Interlocked.Increment(ref _counterEpoch[counter]);

    /// <summary>"o:N", and for one key in 24 a long name (60-250 bytes) with a deterministic tail.</summary>
    private static string OwnedName(int index)
    {
        var name = ValueCodec.Key("o:", index);
        var h = ValueCodec.Mix((ulong)index * 31 + 7);
        if (h % 24 != 0)
        {
            return name;
        }

        var length = 60 + (int)((h >> 8) % 191);
        var builder = new StringBuilder(name, length).Append(':');
        while (builder.Length < length)
        {
            h = ValueCodec.Mix(h);
            builder.Append((char)('a' + (int)(h % 26)));
        }

        return builder.ToString();
    }
}

/// <summary>Zipf(s) ranks 0..n-1 by inverse CDF (binary search over precomputed cumulative weights).</summary>
public sealed class ZipfSampler
{
    private readonly double[] _cumulative;

    public ZipfSampler(int n, double exponent)
    {
        _cumulative = new double[n];
        var sum = 0.0;
        for (var i = 0; i < n; i++)
        {
            sum += 1.0 / Math.Pow(i + 1, exponent);
            _cumulative[i] = sum;
        }

        for (var i = 0; i < n; i++)
        {
            _cumulative[i] /= sum;
        }
    }

    public int Count => _cumulative.Length;

    public int Next(Random random)
    {
        var u = random.NextDouble();
        var index = Array.BinarySearch(_cumulative, u);
        return Math.Min(index < 0 ? ~index : index, _cumulative.Length - 1);
    }
}
