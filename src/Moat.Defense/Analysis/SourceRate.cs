using System.Runtime.CompilerServices;

namespace Moat.Defense.Analysis;

/// <summary>
/// Sliding-window request counter for one source (the event rule "≥ N requests within 60 s"). Keeps at most
/// N timestamps: once N fit in the window the rule holds, so older ones need not be remembered.
/// </summary>
internal sealed class SourceRate
{
    private long[] _times = new long[4];
    private int _head;
    private int _count;

    public long LastSeen { get; private set; }

    /// <summary>Records a request at <paramref name="timestamp"/>; returns the requests in the window ending there.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public int Record(long timestamp, long window, int cap)
    {
        LastSeen = timestamp;
        while (_count > 0 && _times[_head] <= timestamp - window)
        {
            _head = (_head + 1) % _times.Length;
            _count--;
        }

        if (_count == cap)
        {
            _head = (_head + 1) % _times.Length;
            _count--;
        }

        if (_count == _times.Length)
        {
            var grown = new long[Math.Min(_times.Length * 2, Math.Max(cap, 4))];
            for (var i = 0; i < _count; i++)
            {
                grown[i] = _times[(_head + i) % _times.Length];
            }

            _times = grown;
            _head = 0;
        }

        _times[(_head + _count) % _times.Length] = timestamp;
        _count++;
        return _count;
    }
}
