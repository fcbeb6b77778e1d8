using System.Buffers.Binary;
using System.Net;
using Moat.Security.Network;

namespace Moat.Security.Udp;

/// <summary>
/// Dropped UDP requests per key (a source address or its prefix) over the last five minutes, for the top lists of
/// <c>stats udp</c> (docs/udp.md#stats-udp-who-is-being-dropped). A bounded open-addressing table of one-minute
/// buckets: recording allocates nothing; when a probe run is full, the key with the fewest recent drops gives way
/// (heavy droppers stay listed).
/// </summary>
internal sealed class DropTally
{
    /// <summary>The window the counts cover.</summary>
    public static readonly TimeSpan Window = TimeSpan.FromMinutes(5);

    private const int Buckets = 5;
    private const int ProbeLength = 8;

    private readonly Lock _lock = new();
    private readonly TimeProvider _clock;
    private readonly int _prefixBits4;
    private readonly int _prefixBits6;
    private readonly Entry[] _entries;

    /// <param name="clock">Minute buckets follow this clock's timestamps.</param>
    /// <param name="capacity">Keys tracked at once.</param>
    /// <param name="prefixBits4">Mask IPv4 keys to this many bits (32 keeps whole addresses).</param>
    /// <param name="prefixBits6">Mask IPv6 keys to this many bits (128 keeps whole addresses).</param>
    public DropTally(TimeProvider clock, int capacity, int prefixBits4 = 32, int prefixBits6 = 128)
    {
        _clock = clock;
        _entries = new Entry[capacity];
        _prefixBits4 = prefixBits4;
        _prefixBits6 = prefixBits6;
    }

    /// <summary>Counts one dropped request from <paramref name="address"/> (4 or 16 bytes).</summary>
    public void Record(ReadOnlySpan<byte> address)
    {
        if (address.Length is not (4 or 16))
        {
            return;
        }

        var key = AddressKey.Prefix(address, _prefixBits4, _prefixBits6);
        var minute = CurrentMinute();
        lock (_lock)
        {
            var start = (int)((uint)key.GetHashCode() % (uint)_entries.Length);
            var victim = -1;
            long victimTotal = long.MaxValue;
            for (var probe = 0; probe < ProbeLength; probe++)
            {
                var index = (start + probe) % _entries.Length;
                ref var entry = ref _entries[index];
                if (entry.Used && entry.Key == key)
                {
                    entry.Add(minute);
                    return;
                }

                var total = entry.Used ? entry.Total(minute) : -1;
                if (total < victimTotal)
                {
                    victim = index;
                    victimTotal = total;
                }
            }

            ref var taken = ref _entries[victim];
            taken = new Entry { Used = true, Key = key };
            taken.Add(minute);
        }
    }

    /// <summary>The <paramref name="count"/> keys with the most drops in the window, most first.</summary>
    public List<(UInt128 Key, long Dropped)> Top(int count)
    {
        var minute = CurrentMinute();
        var all = new List<(UInt128 Key, long Dropped)>();
        lock (_lock)
        {
            foreach (ref var entry in _entries.AsSpan())
            {
                var total = entry.Used ? entry.Total(minute) : 0;
                if (total > 0)
                {
                    all.Add((entry.Key, total));
                }
            }
        }

        all.Sort(static (a, b) => b.Dropped != a.Dropped ? b.Dropped.CompareTo(a.Dropped) : a.Key.CompareTo(b.Key));
        return all.Count > count ? all[..count] : all;
    }

    /// <summary>"address" for whole-address tables, "address/bits" for prefix tables.</summary>
    public string Format(UInt128 key)
    {
        Span<byte> bytes = stackalloc byte[16];
        BinaryPrimitives.WriteUInt128BigEndian(bytes, key);
        var isIPv4 = AddressKey.IsIPv4Mapped(bytes);
        var address = new IPAddress(isIPv4 ? bytes[12..] : bytes);
        var (bits, whole) = isIPv4 ? (_prefixBits4, 32) : (_prefixBits6, 128);
        return bits >= whole ? address.ToString() : $"{address}/{bits}";
    }

    private long CurrentMinute() => _clock.GetTimestamp() / (_clock.TimestampFrequency * 60);

    private struct Entry
    {
        public bool Used;
        public UInt128 Key;
        private Counts _counts;
        private Minutes _minutes;

        public void Add(long minute)
        {
            var slot = (int)(minute % Buckets);
            if (_minutes[slot] != minute)
            {
                _minutes[slot] = minute;
                _counts[slot] = 0;
            }

            _counts[slot]++;
        }

        public readonly long Total(long minute)
        {
            long total = 0;
            for (var i = 0; i < Buckets; i++)
            {
                if (minute - _minutes[i] < Buckets)
                {
                    total += _counts[i];
                }
            }

            return total;
        }
    }

    [System.Runtime.CompilerServices.InlineArray(Buckets)]
    private struct Counts
    {
        private long _element;
    }

    [System.Runtime.CompilerServices.InlineArray(Buckets)]
    private struct Minutes
    {
        private long _element;
    }
}
