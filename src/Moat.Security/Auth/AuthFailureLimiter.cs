using Moat.Security.Network;

namespace Moat.Security.Auth;

/// <summary>
/// Per source address: after <see cref="MaxFailures"/> failed authentications within <see cref="Window"/>, the
/// address is refused without checking for <see cref="BlockTime"/> (-Y and -S alike), so a password cannot be guessed at line
/// rate. The table is bounded: when full, the entry idle longest is forgotten. Thread-safe; only authentication
/// attempts touch it, never ordinary commands.
/// </summary>
internal sealed class AuthFailureLimiter
{
    public const int MaxFailures = 10;

    public const int DefaultCapacity = 65_536;

    public static readonly TimeSpan Window = TimeSpan.FromSeconds(60);

    public static readonly TimeSpan BlockTime = TimeSpan.FromSeconds(60);

    private readonly TimeProvider _clock;
    private readonly int _capacity;
    private readonly Lock _lock = new();
    private readonly Dictionary<UInt128, Entry> _entries = [];

    public AuthFailureLimiter(TimeProvider clock, int capacity = DefaultCapacity)
    {
        ArgumentNullException.ThrowIfNull(clock);
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _clock = clock;
        _capacity = capacity;
    }

    /// <summary>Addresses currently tracked.</summary>
    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _entries.Count;
            }
        }
    }

    /// <summary>True while <paramref name="address"/> is refused without a check.</summary>
    public bool IsBlocked(ReadOnlySpan<byte> address)
    {
        if (address.IsEmpty)
        {
            return false;
        }

        var key = AddressKey.From(address);
        var now = _clock.GetUtcNow();
        lock (_lock)
        {
            return _entries.TryGetValue(key, out var entry) && entry.BlockedUntil > now;
        }
    }

    /// <summary>Records one failure; true when this failure starts a block.</summary>
    public bool RecordFailure(ReadOnlySpan<byte> address)
    {
        if (address.IsEmpty)
        {
            return false;
        }

        var key = AddressKey.From(address);
        var now = _clock.GetUtcNow();
        lock (_lock)
        {
            if (!_entries.TryGetValue(key, out var entry))
            {
                if (_entries.Count >= _capacity)
                {
                    Evict(now);
                }

                entry = new Entry { WindowStart = now };
            }

            if (now - entry.WindowStart > Window)
            {
                entry = entry with { WindowStart = now, Failures = 0 };
            }

            entry = entry with { Failures = entry.Failures + 1, LastFailure = now };
            var blocks = entry.Failures >= MaxFailures && entry.BlockedUntil <= now;
            if (blocks)
            {
                entry = entry with { BlockedUntil = now + BlockTime, Failures = 0, WindowStart = now + BlockTime };
            }

            _entries[key] = entry;
            return blocks;
        }
    }

    /// <summary>Forgets expired entries; if none has expired, the one idle longest.</summary>
    private void Evict(DateTimeOffset now)
    {
        var expired = new List<UInt128>();
        var oldestKey = default(UInt128);
        var oldest = DateTimeOffset.MaxValue;
        foreach (var (key, entry) in _entries)
        {
            if (entry.BlockedUntil <= now && now - entry.LastFailure > Window)
            {
                expired.Add(key);
            }
            else if (entry.LastFailure < oldest)
            {
                oldest = entry.LastFailure;
                oldestKey = key;
            }
        }

        if (expired.Count == 0)
        {
            _entries.Remove(oldestKey);
            return;
        }

        foreach (var key in expired)
        {
            _entries.Remove(key);
        }
    }

    private readonly record struct Entry
    {
        public DateTimeOffset WindowStart { get; init; }

        public int Failures { get; init; }

        public DateTimeOffset LastFailure { get; init; }

        public DateTimeOffset BlockedUntil { get; init; }
    }
}
