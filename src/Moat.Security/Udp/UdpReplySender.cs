namespace Moat.Security.Udp;

/// <summary>
/// The only path from a complete response to the wire: asks the guard first, then frames and sends all datagrams
/// or none, so no response is ever truncated or partially sent.
/// </summary>
internal static class UdpReplySender
{
    public static ReadOnlySpan<byte> TooLargeReply => "SERVER_ERROR object too large for udp\r\n"u8;

    /// <param name="guard">The amplification guard with the configured K.</param>
    /// <param name="sourceClass">Who asked.</param>
    /// <param name="requestId">The request id to echo.</param>
    /// <param name="requestBytes">R, including the request's frame header.</param>
    /// <param name="response">The complete response (empty for noreply and quiet commands: nothing is sent).</param>
    /// <param name="scratch">At least one datagram of space.</param>
    /// <param name="sink">Receives each datagram in sequence order.</param>
    /// <returns>The guard's decision and the bytes sent (S).</returns>
    public static (GuardDecision Decision, long BytesSent) Send(
        AmplificationGuard guard, SourceClass sourceClass, ushort requestId, int requestBytes, ReadOnlySpan<byte> response, Span<byte> scratch, IDatagramSink sink)
    {
        ArgumentNullException.ThrowIfNull(guard);
        ArgumentNullException.ThrowIfNull(sink);
        var decision = guard.Decide(sourceClass, requestBytes, response.Length);
        var payload = decision switch
        {
            GuardDecision.Send => response,
            GuardDecision.TooLargeForUdp => TooLargeReply,
            _ => [],
        };
        var count = UdpFraming.DatagramCount(payload.Length, guard.MaxDatagram);
        long sent = 0;
        for (var seq = 0; seq < count; seq++)
        {
            var length = UdpFraming.WriteDatagram(requestId, seq, payload, scratch, guard.MaxDatagram);
            sink.Send(scratch[..length]);
            sent += length;
        }

        return (decision, sent);
    }
}
