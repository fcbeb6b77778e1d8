namespace Moat.Security.Udp;

/// <summary>Where reply datagrams go (the listener's socket; a recorder in tests).</summary>
internal interface IDatagramSink
{
    void Send(ReadOnlySpan<byte> datagram);
}
