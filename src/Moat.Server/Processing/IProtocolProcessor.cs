using System.Buffers;

namespace Moat.Server.Processing;

/// <summary>One protocol's processing of a connection's bytes: text (with meta) or binary.</summary>
internal interface IProtocolProcessor
{
    /// <summary>Runs the complete commands at the start of <paramref name="buffer"/> and slices it past what was consumed.</summary>
    ProcessOutcome Process(ref ReadOnlySequence<byte> buffer, IBufferWriter<byte> output);

    /// <summary>
    /// Bytes of an unfinished request that were already consumed (the line or header of a refused value still being
    /// skipped, and what was skipped of it so far); 0 when every consumed byte belongs to a finished request.
    /// </summary>
    long UnfinishedConsumed { get; }

    /// <summary>What the connection holds of the input budget for a request waiting to complete; null when it holds none (UDP).</summary>
    Hardening.InputReservation? Reservation { get; }

    /// <summary>The connection is gone: ends what the processor still runs for it (a metadump cut short).</summary>
    void ConnectionClosed()
    {
    }
}
