using System.Buffers.Binary;
using System.Net;
using System.Text;
using Moat.Security.Network;

namespace Moat.Security.Events;

/// <summary>
/// The coalescing table of the security log: at most one line per (event, source prefix) per window (10 s in
/// the log). Events inside the window are folded into a count and a copy of the latest one, kept in flat preallocated
/// arrays so that folding allocates nothing. A bounded open-addressing table: under churn the stalest slot of a
/// probe run is reused; counts it still held are reported as lost.
/// </summary>
internal sealed class SecurityEventCoalescer
{
    /// <summary>Longest command name kept for a folded event.</summary>
    public const int MaxCommandBytes = 64;

    private const int ProbeLength = 16;

    private readonly Lock _lock = new();
    private readonly TimeProvider _clock;
    private readonly long _windowTicks;
    private readonly int _prefix4;
    private readonly int _prefix6;
    private readonly Slot[] _slots;
    private readonly byte[] _sources;
    private readonly byte[] _commands;

    public SecurityEventCoalescer(TimeProvider clock, TimeSpan window, int capacity, int prefix4, int prefix6)
    {
        _clock = clock;
        _windowTicks = (long)(window.TotalSeconds * clock.TimestampFrequency);
        _prefix4 = prefix4;
        _prefix6 = prefix6;
        _slots = new Slot[capacity];
        _sources = new byte[capacity * 16];
        _commands = new byte[capacity * MaxCommandBytes];
    }

    /// <summary>Folded events whose slot was taken over before their count could be written.</summary>
    public long Lost { get; private set; }

    /// <summary>
    /// Decides whether <paramref name="securityEvent"/> becomes a line now (true, with the count of events folded
    /// since the previous line of its key) or is folded (false).
    /// </summary>
    public bool Admit(in SecurityEvent securityEvent, out long suppressed)
    {
        var key = PrefixKey(securityEvent.Source);
        var now = _clock.GetTimestamp();
        lock (_lock)
        {
            var index = Find(securityEvent.Kind, key, now);
            ref var slot = ref _slots[index];
            if (slot.Used && slot.Kind == securityEvent.Kind && slot.Key == key)
            {
                if (now - slot.LastWritten < _windowTicks)
                {
                    slot.Suppressed++;
                    Remember(index, securityEvent);
                    suppressed = 0;
                    return false;
                }

                suppressed = slot.Suppressed;
                slot.Suppressed = 0;
                slot.LastWritten = now;
                return true;
            }

            if (slot.Used)
            {
                Lost += slot.Suppressed;
            }

            slot = new Slot { Used = true, Kind = securityEvent.Kind, Key = key, LastWritten = now };
            suppressed = 0;
            return true;
        }
    }

    /// <summary>
    /// Lines for keys whose folded events have waited a whole window without a next event to carry them (or all
    /// pending counts when <paramref name="all"/>, at shutdown), each built from the latest folded event.
    /// </summary>
    public List<SecurityLogLine> TakeDue(bool all)
    {
        var lines = new List<SecurityLogLine>();
        var now = _clock.GetTimestamp();
        var wallNow = _clock.GetUtcNow();
        lock (_lock)
        {
            for (var i = 0; i < _slots.Length; i++)
            {
                ref var slot = ref _slots[i];
                if (!slot.Used || slot.Suppressed == 0 || (!all && now - slot.LastWritten < _windowTicks))
                {
                    continue;
                }

                lines.Add(new SecurityLogLine
                {
                    Timestamp = wallNow,
                    Kind = slot.Kind,
                    Transport = slot.Transport,
                    Source = slot.SourceLength == 0 ? null : new IPAddress(_sources.AsSpan(i * 16, slot.SourceLength)),
                    SourcePort = slot.SourcePort,
                    Prefix = FormatPrefix(_sources.AsSpan(i * 16, slot.SourceLength)),
                    SourceClass = slot.SourceClass,
                    Command = slot.CommandLength == 0 ? null : Encoding.ASCII.GetString(_commands, i * MaxCommandBytes, slot.CommandLength),
                    RequestBytes = slot.RequestBytes,
                    ResponseBytesWould = slot.ResponseBytesWould,
                    ResponseBytesSent = slot.ResponseBytesSent,
                    Action = slot.Action,
                    Suppressed = slot.Suppressed - 1,
                    Detail = slot.Detail,
                });

                // The line stands for the latest folded event itself plus the ones before it.
                slot.Suppressed = 0;
                slot.LastWritten = now;
            }
        }

        return lines;
    }

    /// <summary>"a.b.c.0/24" or "2001:db8::/56" for a source address; null when there is none.</summary>
    public string? FormatPrefix(ReadOnlySpan<byte> source)
    {
        if (source.Length is not (4 or 16))
        {
            return null;
        }

        Span<byte> bytes = stackalloc byte[16];
        BinaryPrimitives.WriteUInt128BigEndian(bytes, PrefixKey(source));
        return AddressKey.IsIPv4(bytes) ? $"{new IPAddress(bytes[12..])}/{_prefix4}" : $"{new IPAddress(bytes)}/{_prefix6}";
    }

    private int Find(SecurityEventKind kind, UInt128 key, long now)
    {
        var hash = (uint)HashCode.Combine(kind, key);
        var start = (int)(hash % (uint)_slots.Length);
        for (var probe = 0; probe < ProbeLength; probe++)
        {
            ref var slot = ref _slots[(start + probe) % _slots.Length];
            if (slot.Used && slot.Kind == kind && slot.Key == key)
            {
                return (start + probe) % _slots.Length;
            }
        }

        var stalest = start;
        for (var probe = 0; probe < ProbeLength; probe++)
        {
            var index = (start + probe) % _slots.Length;
            ref var slot = ref _slots[index];
            if (!slot.Used || (slot.Suppressed == 0 && now - slot.LastWritten >= _windowTicks))
            {
                // Free, or nothing pending and its window over: forgetting it changes no output.
                slot.Used = false;
                return index;
            }

            if (slot.LastWritten < _slots[stalest].LastWritten)
            {
                stalest = index;
            }
        }

        return stalest;
    }

    private void Remember(int index, in SecurityEvent securityEvent)
    {
        ref var slot = ref _slots[index];
        securityEvent.Source.CopyTo(_sources.AsSpan(index * 16, 16));
        slot.SourceLength = securityEvent.Source.Length;
        slot.SourcePort = securityEvent.SourcePort;
        var command = securityEvent.Command.Length > MaxCommandBytes ? securityEvent.Command[..MaxCommandBytes] : securityEvent.Command;
        command.CopyTo(_commands.AsSpan(index * MaxCommandBytes, MaxCommandBytes));
        slot.CommandLength = command.Length;
        slot.Transport = securityEvent.Transport;
        slot.SourceClass = securityEvent.SourceClass;
        slot.Action = securityEvent.Action;
        slot.Detail = securityEvent.Detail;
        slot.RequestBytes = securityEvent.RequestBytes;
        slot.ResponseBytesWould = securityEvent.ResponseBytesWould;
        slot.ResponseBytesSent = securityEvent.ResponseBytesSent;
    }

    /// <summary>The source masked to its prefix (IPv4-mapped IPv6 counts as IPv4); zero for events without a source.</summary>
    private UInt128 PrefixKey(ReadOnlySpan<byte> source) =>
        source.Length is 4 or 16 ? AddressKey.Prefix(source, _prefix4, _prefix6) : UInt128.Zero;

    private struct Slot
    {
        public bool Used;
        public SecurityEventKind Kind;
        public UInt128 Key;
        public long LastWritten;
        public long Suppressed;
        public int SourceLength;
        public int SourcePort;
        public int CommandLength;
        public string? Transport;
        public string? SourceClass;
        public string? Action;
        public string? Detail;
        public long RequestBytes;
        public long ResponseBytesWould;
        public long ResponseBytesSent;
    }
}
