using System.Net;

namespace Moat.Defense.Audit;

/// <summary>One address and TCP port to audit, with the text the user wrote for it.</summary>
internal sealed record AuditTarget(IPAddress Address, int Port, string Source)
{
    public IPEndPoint TcpEndPoint => new(Address, Port);

    public bool IsLoopback => IPAddress.IsLoopback(Address);

    public string Display => Address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6
        ? $"[{Address}]:{Port}"
        : $"{Address}:{Port}";
}
