using Moat.Security.Udp;

namespace Moat.Security.Tests.Udp;

/// <summary>Keeps every datagram a sender hands over.</summary>
internal sealed class RecordingSink : IDatagramSink
{
    public List<byte[]> Datagrams { get; } = [];

    public long Bytes => Datagrams.Sum(d => (long)d.Length);

    public void Send(ReadOnlySpan<byte> datagram) => Datagrams.Add(datagram.ToArray());
}
