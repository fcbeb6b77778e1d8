using System.Net;

namespace Moat.Server.Auth;

/// <summary>
/// Who is at the other end of one TCP connection: the peer's address (what rate limits, events and UDP tokens are
/// bound to) and, once authenticated, the user name. One per connection, shared by its protocol processors.
/// </summary>
internal sealed class PeerSession
{
    private volatile string? _user;

    public PeerSession(EndPoint? remote)
    {
        if (remote is IPEndPoint ip)
        {
            var address = ip.Address.IsIPv4MappedToIPv6 ? ip.Address.MapToIPv4() : ip.Address;
            Address = address.GetAddressBytes();
            Port = ip.Port;
        }
        else
        {
            Address = [];
        }
    }

    /// <summary>The peer's address, 4 or 16 bytes (IPv4-mapped IPv6 as IPv4); empty for non-IP transports.</summary>
    public byte[] Address { get; }

    /// <summary>The peer's port, or 0.</summary>
    public int Port { get; }

    /// <summary>The authenticated user; null before authentication.</summary>
    public string? User => _user;

    /// <summary>Whether the connection has authenticated.</summary>
    public bool Authenticated => _user is not null;

    /// <summary>Marks the connection authenticated as <paramref name="user"/>.</summary>
    public void SignIn(string user) => _user = user;

    /// <summary>Forgets the sign-in (a new SASL AUTH starts over, as in memcached).</summary>
    public void SignOut() => _user = null;
}
