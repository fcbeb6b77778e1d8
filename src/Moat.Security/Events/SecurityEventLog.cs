using System.Buffers;
using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.Json;

namespace Moat.Security.Events;

/// <summary>
/// The security event log (docs/security.md#security-event-log---security-log): JSON Lines, coalesced per (event,
/// source prefix) per 10 s, written through a bounded queue by a background writer thread so that reporting never
/// blocks request handling. Reporting an event that is folded into a coalesced line allocates nothing; only lines that
/// are written allocate.
/// </summary>
public sealed class SecurityEventLog : IDisposable
{
    /// <summary>Lines waiting for the writer before further ones are dropped (and counted).</summary>
    public const int DefaultQueueCapacity = 10_000;

    /// <summary>(event, prefix) keys the coalescing table tracks at once.</summary>
    public const int DefaultCoalescingCapacity = 8192;

    /// <summary>The coalescing window: at most one line per (event, prefix) per window.</summary>
    public static readonly TimeSpan DefaultWindow = TimeSpan.FromSeconds(10);

    private static readonly TimeSpan SummaryInterval = TimeSpan.FromSeconds(1);

    private readonly long[] _reported = new long[Enum.GetValues<SecurityEventKind>().Length];
    private readonly TimeProvider _clock = TimeProvider.System;
    private readonly SecurityEventCoalescer? _coalescer;
    private readonly BlockingCollection<SecurityLogLine>? _queue;
    private readonly SecurityLogOutput? _output;
    private readonly Lock _outputLock = new();
    private readonly Thread? _writer;
    private long _dropped;
    private long _written;
    private bool _failing;
    private bool _disposed;

    private SecurityEventLog()
    {
    }

    private SecurityEventLog(SecurityLogOutput output, TimeProvider clock, int queueCapacity, TimeSpan window, int prefix4, int prefix6)
    {
        _clock = clock;
        _output = output;
        _coalescer = new SecurityEventCoalescer(clock, window, DefaultCoalescingCapacity, prefix4, prefix6);
        _queue = new BlockingCollection<SecurityLogLine>(queueCapacity);

        // A thread of its own: file writes block, and Dispose waits for the last lines by joining it.
        _writer = new Thread(WriteLoop) { IsBackground = true, Name = "moat security log" };
        _writer.Start();
    }

    /// <summary>A log that records nothing (--security-log off).</summary>
    public static SecurityEventLog Off { get; } = new();

    /// <summary>Whether lines are written at all.</summary>
    public bool IsEnabled => _output is not null;

    /// <summary>Lines lost: queue overflow, failed writes, and folded counts whose table slot was reused under churn.</summary>
    public long Dropped => Interlocked.Read(ref _dropped) + (_coalescer?.Lost ?? 0);

    /// <summary>Lines written so far.</summary>
    public long Written => Interlocked.Read(ref _written);

    /// <summary>
    /// Opens the log for --security-log <paramref name="target"/>: "off" gives <see cref="Off"/>, "-" stderr,
    /// anything else a file appended to.
    /// </summary>
    /// <exception cref="IOException">The file cannot be opened for writing (the executable exits 73).</exception>
    /// <exception cref="UnauthorizedAccessException">The file cannot be opened for writing (the executable exits 73).</exception>
    public static SecurityEventLog Open(string target, TimeProvider clock, int prefix4 = 24, int prefix6 = 56) =>
        Open(target, clock, DefaultQueueCapacity, DefaultWindow, prefix4, prefix6);

    internal static SecurityEventLog Open(string target, TimeProvider clock, int queueCapacity, TimeSpan window, int prefix4 = 24, int prefix6 = 56)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(clock);
        return target == "off" ? Off : new SecurityEventLog(SecurityLogOutput.Open(target), clock, queueCapacity, window, prefix4, prefix6);
    }

    /// <summary>Null when --security-log <paramref name="target"/> can be written, else why not (checked before start).</summary>
    public static string? CheckWritable(string target)
    {
        ArgumentNullException.ThrowIfNull(target);
        if (target is "off" or SecurityLogOutput.StandardError)
        {
            return null;
        }

        try
        {
            SecurityLogOutput.Open(target).Dispose();
            return null;
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            return $"ERROR: cannot open --security-log {target}: {error.Message}";
        }
    }

    /// <summary>Reports one event; cheap and non-blocking (folded into a coalesced line or dropped when the queue is full).</summary>
    public void Report(in SecurityEvent securityEvent)
    {
        Interlocked.Increment(ref _reported[(int)securityEvent.Kind]);
        if (_coalescer is null)
        {
            return;
        }

        long suppressed = 0;

        // Configuration warnings are few and each says something different: never folded.
        if (securityEvent.Kind != SecurityEventKind.ConfigWarning && !_coalescer.Admit(securityEvent, out suppressed))
        {
            return;
        }

        var line = new SecurityLogLine
        {
            Timestamp = _clock.GetUtcNow(),
            Kind = securityEvent.Kind,
            Transport = securityEvent.Transport,
            Source = securityEvent.Source.Length is 4 or 16 ? new IPAddress(securityEvent.Source) : null,
            SourcePort = securityEvent.SourcePort,
            Prefix = _coalescer.FormatPrefix(securityEvent.Source),
            SourceClass = securityEvent.SourceClass,
            Command = securityEvent.Command.IsEmpty ? null : Encoding.ASCII.GetString(securityEvent.Command[..Math.Min(securityEvent.Command.Length, SecurityEventCoalescer.MaxCommandBytes)]),
            RequestBytes = securityEvent.RequestBytes,
            ResponseBytesWould = securityEvent.ResponseBytesWould,
            ResponseBytesSent = securityEvent.ResponseBytesSent,
            Action = securityEvent.Action,
            Suppressed = suppressed,
            Detail = securityEvent.Detail,
        };
        if (!TryEnqueue(line))
        {
            Interlocked.Increment(ref _dropped);
        }
    }

    /// <summary>Events reported of <paramref name="kind"/> since start, coalesced or not.</summary>
    public long ReportedCount(SecurityEventKind kind) => Interlocked.Read(ref _reported[(int)kind]);

    /// <summary>Reopens the log file (SIGHUP, after log rotation); a failure keeps the old file and throws.</summary>
    public void Reopen()
    {
        if (_output is null)
        {
            return;
        }

        lock (_outputLock)
        {
            _output.Reopen();
        }
    }

    /// <summary>Writes what is queued and every pending folded count, then closes the file.</summary>
    public void Dispose()
    {
        if (_output is null || _disposed)
        {
            return;
        }

        _disposed = true;
        _queue!.CompleteAdding();
        _writer!.Join();
        Write(_coalescer!.TakeDue(all: true));
        lock (_outputLock)
        {
            _output.Dispose();
        }
    }

    /// <summary>Queues a line for the writer; false when the queue is full or the log is closing.</summary>
    private bool TryEnqueue(SecurityLogLine line)
    {
        try
        {
            return _queue!.TryAdd(line);
        }
        catch (InvalidOperationException)
        {
            // Reported while the log is being disposed (the server is stopping): nobody will write it.
            return false;
        }
    }

    private void WriteLoop()
    {
        var batch = new List<SecurityLogLine>();
        var lastSummary = Environment.TickCount64;
        while (true)
        {
            batch.Clear();

            // Wakes at least once per summary interval, so coalesced counts are written even when nothing new comes.
            if (_queue!.TryTake(out var first, SummaryInterval))
            {
                batch.Add(first);
                while (batch.Count < 1024 && _queue.TryTake(out var line))
                {
                    batch.Add(line);
                }
            }
            else if (_queue.IsCompleted)
            {
                return;
            }

            if (Environment.TickCount64 - lastSummary >= (long)SummaryInterval.TotalMilliseconds)
            {
                lastSummary = Environment.TickCount64;
                batch.AddRange(_coalescer!.TakeDue(all: false));
            }

            Write(batch);
        }
    }

    private void Write(List<SecurityLogLine> lines)
    {
        if (lines.Count == 0)
        {
            return;
        }

        var buffer = new ArrayBufferWriter<byte>(512);
        using var json = new Utf8JsonWriter(buffer);
        lock (_outputLock)
        {
            var written = 0;
            try
            {
                foreach (var line in lines)
                {
                    buffer.ResetWrittenCount();
                    json.Reset(buffer);
                    line.WriteTo(json);
                    json.Flush();
                    _output!.WriteLine(buffer.WrittenSpan);
                    written++;
                }

                _output!.Flush();
                Interlocked.Add(ref _written, written);
                _failing = false;
            }
            catch (Exception error) when (error is IOException or UnauthorizedAccessException or ObjectDisposedException)
            {
                Interlocked.Add(ref _dropped, lines.Count - written);
                if (!_failing)
                {
                    // One line per failure streak: a full disk must not turn the log into a stderr flood.
                    _failing = true;
                    Console.Error.WriteLine($"security log: write failed, dropping lines until writes succeed: {error.Message}");
                }
            }
        }
    }
}
