using System.Net.Sockets;
using Moat.Soak.Values;
using Moat.Soak.Wire;

namespace Moat.Soak.Actors;

/// <summary>What every actor shares: options, the server's port, the key ledger, the value codec and the report.</summary>
public sealed class SoakContext(SoakOptions options, int port, int storeItemLimit, SoakReport report)
{
    public SoakOptions Options { get; } = options;

    public int Port { get; } = port;

    public SoakReport Report { get; } = report;

    public KeySpace Keys { get; } = new(options.OwnedKeys, options.SharedKeys, options.Counters);

    public ValueCodec Codec { get; } = new(options.MaxItemSizeBytes, storeItemLimit);

    public ZipfSampler OwnedPopularity { get; } = new(options.OwnedKeys, options.ZipfExponent);

    private long _partialHeld;

    /// <summary>Reserves <paramref name="bytes"/> of the partial-request budget; false when that would pass it.</summary>
    public bool TryHoldPartial(long bytes)
    {
        if (Interlocked.Add(ref _partialHeld, bytes) <= Options.PartialBudgetBytes)
        {
            return true;
        }

        Interlocked.Add(ref _partialHeld, -bytes);
        return false;
    }

    public void ReleasePartial(long bytes) => Interlocked.Add(ref _partialHeld, -bytes);

    /// <summary>
    /// Checks a hit of an owned key read by a request sent when the key's floor was <paramref name="floorAtSend"/>:
    /// the value is well formed for its version, not older than the floor, and not newer than anything sent.
    /// </summary>
    public void CheckOwned(string who, int key, long floorAtSend, uint flags, ReadOnlySpan<byte> value)
    {
        var name = Keys.Owned[key];
        var problem = Codec.Check(name, flags, value, nearLimit: true, allowAppends: true, out var appends);
        if (problem is not null)
        {
            Report.FailVerification($"{who}: {problem}");
            return;
        }

        var state = KeySpace.State(flags, appends);
        if (state < floorAtSend)
        {
            Report.FailVerification($"{who}: \"{name}\" read version {flags} + {appends} appends, but version {floorAtSend >> 16} + {Appends(floorAtSend)} had been acknowledged before the read was sent (an older value came back)");
            return;
        }

        var maxSent = Keys.MaxSent(key);
        if (state > maxSent)
        {
            Report.FailVerification($"{who}: \"{name}\" read version {flags} + {appends} appends, which was never sent (newest sent: {maxSent >> 16} + {Appends(maxSent)})");
            return;
        }

        Report.Hit(value.Length);
    }

    /// <summary>Checks a hit of a shared key: a well formed value of a version some writer was handed.</summary>
    public void CheckShared(string who, int key, uint flags, ReadOnlySpan<byte> value)
    {
        var name = Keys.Shared[key];
        var problem = Codec.Check(name, flags, value, nearLimit: false, allowAppends: false, out _);
        if (problem is not null)
        {
            Report.FailVerification($"{who}: {problem}");
            return;
        }

        if (flags == 0 || flags > Keys.SharedVersionsIssued(key))
        {
            Report.FailVerification($"{who}: \"{name}\" read version {flags}, only {Keys.SharedVersionsIssued(key)} were handed out");
            return;
        }

        Report.Hit(value.Length);
    }

    /// <summary>Checks a counter read as a value: decimal digits (maybe space padded), at most every delta ever sent.</summary>
    public void CheckCounter(string who, int counter, ReadOnlySpan<byte> value)
    {
        var digits = value.TrimEnd((byte)' ');
        if (!Text.TryParseUInt64(digits, out var number))
        {
            Report.FailVerification($"{who}: counter \"{Keys.Counters[counter]}\" holds {Text.Excerpt(value)}, not a number");
            return;
        }

        var total = Keys.CounterTotal(counter);
        if (number > (ulong)total)
        {
            Report.FailVerification($"{who}: counter \"{Keys.Counters[counter]}\" reads {number}, more than the {total} ever added to it");
            return;
        }

        Report.Hit(value.Length);
    }

    /// <summary>Whether an "out of memory" answer to an item of <paramref name="itemBytes"/> (key + value) is tolerated (<see cref="SoakOptions.TolerateKnownOutOfMemory"/>).</summary>
    public bool ToleratesOutOfMemory(int itemBytes) => Options.TolerateKnownOutOfMemory && itemBytes > Codec.StoreItemLimit / 2;

    /// <summary>Whether <paramref name="error"/> is a connection the server closed or reset.</summary>
    public static bool IsClosed(Exception error) => error is ServerClosedException or SocketException or IOException;

    private static long Appends(long state) => state & 0xFFFF;
}
