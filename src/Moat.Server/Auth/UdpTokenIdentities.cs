using Moat.Security.Network;

namespace Moat.Server.Auth;

/// <summary>
/// The users that obtained auth-bound UDP tokens over TCP, per client address. A token carries no user name (it is the
/// same 30 characters as an address-only token), so a UDP request is verified against the few identities recorded for
/// its source address: a stranger cannot make the server try every user. Bounded: at most
/// <see cref="MaxIdentitiesPerAddress"/> users per address (the latest win) and <see cref="MaxAddresses"/> addresses
/// (the least recently issued go).
/// </summary>
internal sealed class UdpTokenIdentities
{
    public const int MaxIdentitiesPerAddress = 4;

    public const int MaxAddresses = 65_536;

    private readonly Lock _lock = new();
    private readonly Dictionary<UInt128, (string[] Users, long Issued)> _byAddress = [];
    private long _issueCounter;

    /// <summary>Remembers that <paramref name="user"/> was given a token for <paramref name="address"/>.</summary>
    public void Record(ReadOnlySpan<byte> address, string user)
    {
        var key = AddressKey.From(address);
        lock (_lock)
        {
            var issued = ++_issueCounter;
            if (_byAddress.TryGetValue(key, out var known))
            {
                if (Array.IndexOf(known.Users, user) < 0)
                {
                    // Newest first; the oldest falls off past the limit.
                    var users = new string[Math.Min(known.Users.Length + 1, MaxIdentitiesPerAddress)];
                    users[0] = user;
                    Array.Copy(known.Users, 0, users, 1, users.Length - 1);
                    known.Users = users;
                }

                _byAddress[key] = (known.Users, issued);
                return;
            }

            if (_byAddress.Count >= MaxAddresses)
            {
                var oldest = _byAddress.MinBy(pair => pair.Value.Issued).Key;
                _byAddress.Remove(oldest);
            }

            _byAddress[key] = ([user], issued);
        }
    }

    /// <summary>The users recorded for <paramref name="address"/>, newest first (empty when none).</summary>
    public string[] For(ReadOnlySpan<byte> address)
    {
        var key = AddressKey.From(address);
        lock (_lock)
        {
            return _byAddress.TryGetValue(key, out var known) ? known.Users : [];
        }
    }
}
