using Moat.Defense.Decoding;

namespace Moat.Defense.Analysis;

/// <summary>
/// IP fragment attribution (docs/defense.md#input-and-decoding): later fragments belong to the datagram whose first
/// fragment had the same (source, destination, id) within 30 s. The first fragment's UDP length already counts their
/// bytes, so attributed fragments add nothing; the rest are reported as unattributed bytes.
/// </summary>
internal sealed class FragmentTracker
{
    private readonly Dictionary<(IpKey Source, IpKey Destination, uint Id, bool V6), FragmentState> _flows = [];
    private readonly long _windowNs;
    private readonly int _capacity;

    public FragmentTracker(long windowNs, int capacity)
    {
        _windowNs = windowNs;
        _capacity = capacity;
    }

    public long UnattributedBytes { get; private set; }

    public long AttributedFragments { get; private set; }

    public void FirstFragment(in UdpDatagram datagram, long timestamp)
    {
        var key = (datagram.Source, datagram.Destination, datagram.FragmentId, datagram.IsV6);
        if (_flows.TryGetValue(key, out var state))
        {
            // Later fragments that arrived before the first one are attributed now.
            AttributedFragments += state.PendingFragments;
            state.PendingBytes = 0;
            state.PendingFragments = 0;
            state.FirstSeen = true;
            state.LastSeen = timestamp;
            return;
        }

        EnsureCapacity(timestamp);
        _flows[key] = new FragmentState { FirstSeen = true, LastSeen = timestamp };
    }

    public void LaterFragment(in LaterFragment fragment, long timestamp)
    {
        var key = (fragment.Source, fragment.Destination, fragment.Id, fragment.IsV6);
        var bytes = Math.Max(0, fragment.IpLength - (fragment.IsV6 ? 48 : 20));
        if (_flows.TryGetValue(key, out var state) && timestamp - state.LastSeen <= _windowNs)
        {
            state.LastSeen = timestamp;
            if (state.FirstSeen)
            {
                AttributedFragments++;
            }
            else
            {
                state.PendingBytes += bytes;
                state.PendingFragments++;
            }

            return;
        }

        EnsureCapacity(timestamp);
        _flows[key] = new FragmentState { LastSeen = timestamp, PendingBytes = bytes, PendingFragments = 1 };
    }

    /// <summary>Forgets flows idle for longer than the window; their unmatched fragments become unattributed.</summary>
    public void Expire(long now)
    {
        List<(IpKey, IpKey, uint, bool)>? stale = null;
        foreach (var (key, state) in _flows)
        {
            if (now - state.LastSeen > _windowNs)
            {
                (stale ??= []).Add(key);
            }
        }

        if (stale is null)
        {
            return;
        }

        foreach (var key in stale)
        {
            UnattributedBytes += _flows[key].PendingBytes;
            _flows.Remove(key);
        }
    }

    /// <summary>End of input: everything still pending is unattributed.</summary>
    public void Flush()
    {
        foreach (var state in _flows.Values)
        {
            UnattributedBytes += state.PendingBytes;
        }

        _flows.Clear();
    }

    private void EnsureCapacity(long timestamp)
    {
        if (_flows.Count >= _capacity)
        {
            Expire(timestamp);
            if (_flows.Count >= _capacity)
            {
                Flush();
            }
        }
    }
}
