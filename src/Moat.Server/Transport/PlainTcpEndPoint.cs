using System.Net;
using System.Net.Sockets;

namespace Moat.Server.Transport;

/// <summary>
/// A plain (non-TLS) TCP listen address. It is not an <see cref="System.Net.IPEndPoint"/> on purpose: Kestrel picks the
/// transport by endpoint type, so these go to <see cref="PlainTcpTransportFactory"/> while TLS listeners, given as
/// IPEndPoints, stay on Kestrel's socket transport (the TLS middleware needs its pipes).
/// </summary>
internal sealed class PlainTcpEndPoint(IPEndPoint address) : EndPoint
{
    public IPEndPoint Address { get; } = address;

    public override AddressFamily AddressFamily => Address.AddressFamily;

    /// <summary>"127.0.0.1:11211" or "[::1]:11211": what Kestrel reports as the bound address.</summary>
    public override string ToString() => Address.ToString();
}
