namespace Moat.Security.Udp;

/// <summary>
/// The invariant Moat exists for: toward an address nobody has proved it owns, one request draws at most one
/// datagram and at most K × its own size (docs/udp.md#why-k-is-1-and-the-guard-has-no-off-switch). The guard sees
/// only sizes, so no command can find a way around it.
/// </summary>
internal sealed class AmplificationGuard
{
    /// <summary>QUIC's limit (RFC 9000 §8.1); nothing above it is accepted, so the guard cannot be switched off.</summary>
    public const int MaxAmplificationFactor = 3;

    public const int DefaultAmplificationFactor = 1;

    /// <summary>Largest response a UDP reply may have at all: 65,535 datagrams of 1,392 data bytes.</summary>
    public const long AbsoluteMaxResponse = (long)ushort.MaxValue * (UdpFraming.DefaultMaxDatagram - UdpFrameHeader.Size);

    public AmplificationGuard(int amplificationFactor = DefaultAmplificationFactor, long maxResponse = 16L * 1024 * 1024, int maxDatagram = UdpFraming.DefaultMaxDatagram)
    {
        if (amplificationFactor is < 0 or > MaxAmplificationFactor)
        {
            throw new ArgumentOutOfRangeException(nameof(amplificationFactor), amplificationFactor, "The UDP amplification factor must be between 0 and 3.");
        }

        if (maxResponse is < 1 or > AbsoluteMaxResponse)
        {
            throw new ArgumentOutOfRangeException(nameof(maxResponse), maxResponse, $"The UDP response cap must be between 1 and {AbsoluteMaxResponse} bytes.");
        }

        if (maxDatagram is < UdpFraming.MinMaxDatagram or > UdpFraming.DefaultMaxDatagram)
        {
            throw new ArgumentOutOfRangeException(nameof(maxDatagram), maxDatagram, "The UDP datagram size must be between 512 and 1400 bytes.");
        }

        AmplificationFactor = amplificationFactor;
        MaxResponse = Math.Min(maxResponse, (long)ushort.MaxValue * UdpFraming.ChunkSize(maxDatagram));
        MaxDatagram = maxDatagram;
    }

    public int AmplificationFactor { get; }

    public long MaxResponse { get; }

    public int MaxDatagram { get; }

    /// <param name="sourceClass">Who asked.</param>
    /// <param name="requestBytes">R: the request datagram's UDP payload including its 8-byte header.</param>
    /// <param name="responseLength">The complete response the command produced, without frame headers.</param>
    public GuardDecision Decide(SourceClass sourceClass, int requestBytes, int responseLength)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(requestBytes);
        ArgumentOutOfRangeException.ThrowIfNegative(responseLength);
        switch (sourceClass)
        {
            case SourceClass.Denied:
                return GuardDecision.Refused;
            case SourceClass.Unvalidated:
                if (responseLength == 0)
                {
                    return GuardDecision.Send;
                }

                // One datagram only, and its whole payload (header included) within K × R; never truncated.
                var fitsOneDatagram = responseLength <= UdpFraming.ChunkSize(MaxDatagram);
                var wireBytes = (long)responseLength + UdpFrameHeader.Size;
                return fitsOneDatagram && wireBytes <= (long)AmplificationFactor * requestBytes
                    ? GuardDecision.Send
                    : GuardDecision.OverBudget;
            default:
                return responseLength <= MaxResponse ? GuardDecision.Send : GuardDecision.TooLargeForUdp;
        }
    }
}
