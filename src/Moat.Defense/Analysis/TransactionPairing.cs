using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using Moat.Defense.Capture;

namespace Moat.Defense.Analysis;

/// <summary>
/// Pairs requests with their responses: the open transactions by key (reflector, client, ports, request id) in
/// arrival order, so the oldest leave first once past the pairing window or past <see cref="DetectOptions.MaxFlows"/>,
/// and the last time each key had a response without a request. What a finished transaction adds up to is the
/// analyzer's business: it takes them from here and closes them with <see cref="Close"/>.
/// </summary>
internal sealed class TransactionPairing(DetectOptions options, CaptureWarnings warnings)
{
    private readonly Dictionary<TransactionKey, Transaction> _open = [];
    private readonly Queue<Transaction> _order = new();
    private readonly Dictionary<TransactionKey, long> _unsolicited = [];

    /// <summary>The open (not yet finalized) transaction of <paramref name="key"/>, which a repeated request id replaces.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public bool TryGetOpen(TransactionKey key, [NotNullWhen(true)] out Transaction? transaction) =>
        _open.TryGetValue(key, out transaction) && !transaction.Finalized;

    /// <summary>The open transaction a response of <paramref name="key"/> at <paramref name="timestamp"/> belongs to: one still within the pairing window.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public bool TryMatch(TransactionKey key, long timestamp, [NotNullWhen(true)] out Transaction? transaction) =>
        _open.TryGetValue(key, out transaction)
        && !transaction.Finalized
        && timestamp - transaction.RequestTimestamp <= options.PairingWindowNs;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Add(Transaction transaction)
    {
        _open[transaction.Key] = transaction;
        _order.Enqueue(transaction);
    }

    /// <summary>
    /// With more than <see cref="DetectOptions.MaxFlows"/> transactions open: warns and takes the oldest out of the
    /// arrival order (it may already be finalized); null within the limit.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public Transaction? TakeOverflow()
    {
        if (_open.Count <= options.MaxFlows)
        {
            return null;
        }

        warnings.Add("max_flows", $"more than {options.MaxFlows} open transactions; oldest finalized early (--max-flows)");
        return _order.Dequeue();
    }

    /// <summary>The oldest transaction whose request came before <paramref name="cutoff"/> and is not finalized yet, or null.</summary>
    public Transaction? TakeExpired(long cutoff)
    {
        while (_order.Count > 0 && _order.Peek().RequestTimestamp < cutoff)
        {
            var transaction = _order.Dequeue();
            if (!transaction.Finalized)
            {
                return transaction;
            }
        }

        return null;
    }

    /// <summary>At the end of input: the oldest transaction not finalized yet, or null once none is left.</summary>
    public Transaction? TakeRemaining()
    {
        while (_order.Count > 0)
        {
            var transaction = _order.Dequeue();
            if (!transaction.Finalized)
            {
                return transaction;
            }
        }

        return null;
    }

    /// <summary>Marks the transaction finalized; it stops being the open one of its key unless a newer one replaced it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Close(Transaction transaction)
    {
        transaction.Finalized = true;
        if (_open.TryGetValue(transaction.Key, out var current) && ReferenceEquals(current, transaction))
        {
            _open.Remove(transaction.Key);
        }
    }

    /// <summary>
    /// Records a response of <paramref name="key"/> that had no request. True when it counts: the first of its key
    /// within the pairing window (one unsolicited response per key and window).
    /// </summary>
    public bool RecordUnsolicited(TransactionKey key, long timestamp)
    {
        var counts = !_unsolicited.TryGetValue(key, out var lastSeen) || timestamp - lastSeen > options.PairingWindowNs;
        _unsolicited[key] = timestamp;
        return counts;
    }

    /// <summary>Forgets unsolicited responses last seen before <paramref name="cutoff"/>.</summary>
    public void PruneUnsolicited(long cutoff)
    {
        if (_unsolicited.Count == 0)
        {
            return;
        }

        foreach (var (key, lastSeen) in _unsolicited)
        {
            if (lastSeen < cutoff)
            {
                _unsolicited.Remove(key);
            }
        }
    }
}
