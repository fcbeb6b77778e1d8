using Moat.Server.Tests.Infrastructure;

namespace Moat.Server.Tests.Udp;

/// <summary>
/// Debian memcached with UDP on and an in-process moat whose UDP port trusts one source address, each with a
/// <see cref="UdpProbe"/> sending from that address: the two sides of a UDP differential test.
/// </summary>
internal sealed class TrustedUdpPair : IDisposable
{
    public TrustedUdpPair(string source)
    {
        // Every memcached worker thread reads the one UDP socket; with one, the probe's sentinel is answered last.
        Memcached = new MemcachedServer(["-t", "1"], new ServerOptions { Udp = UdpMode.OwnPort });
        try
        {
            var udpPort = FreePort.Udp();
            Moat = new MoatServerFixture(o =>
            {
                o.UdpPort = udpPort;
                o.UdpTrusted = source + "/32";
            });
            ToMemcached = new UdpProbe(Memcached.UdpPort, source);
            ToMoat = new UdpProbe(udpPort, source);
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public MemcachedServer Memcached { get; }

    public MoatServerFixture Moat { get; }

    public UdpProbe ToMemcached { get; }

    public UdpProbe ToMoat { get; }

    public void Dispose()
    {
        ToMoat?.Dispose();
        ToMemcached?.Dispose();
        Moat?.Dispose();
        Memcached.Dispose();
    }
}
