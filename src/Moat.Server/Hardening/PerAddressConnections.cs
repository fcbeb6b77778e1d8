using System.Net;
using Moat.Security.Network;

namespace Moat.Server.Hardening;

/// <summary>--max-conns-per-ip: open connections per client address. Touched once per connect and close.</summary>
internal sealed class PerAddressConnections(int limit)
{
    private readonly Lock _lock = new();
    private readonly Dictionary<UInt128, int> _open = [];

    /// <summary>Counts a new connection from <paramref name="address"/>; false (and nothing counted) when it already holds the limit.</summary>
    public bool TryAcquire(IPAddress? address)
    {
        if (limit <= 0 || address is null)
        {
            return true;
        }

        var key = KeyOf(address);
        lock (_lock)
        {
            _open.TryGetValue(key, out var count);
            if (count >= limit)
            {
                return false;
            }

            _open[key] = count + 1;
            return true;
        }
    }

    /// <summary>Forgets a connection counted by <see cref="TryAcquire"/>.</summary>
    public void Release(IPAddress? address)
    {
        if (limit <= 0 || address is null)
        {
            return;
        }

        var key = KeyOf(address);
        lock (_lock)
        {
            if (_open.TryGetValue(key, out var count))
            {
                if (count <= 1)
                {
                    _open.Remove(key);
                }
                else
                {
                    _open[key] = count - 1;
                }
            }
        }
    }

    private static UInt128 KeyOf(IPAddress address)
    {
        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out var written);
        return AddressKey.From(bytes[..written]);
    }
}
