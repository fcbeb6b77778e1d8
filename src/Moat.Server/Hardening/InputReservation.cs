namespace Moat.Server.Hardening;

/// <summary>
/// What one connection holds of the <see cref="ReadBufferBudget"/> for the request it is waiting to complete (a value
/// larger than the connection's read buffer). The parser sees the same unfinished request again after every read,
/// so holding is idempotent per request size; the hold ends when the request runs or is refused, or the connection closes.
/// </summary>
internal sealed class InputReservation(ReadBufferBudget budget)
{
    /// <summary>Bytes held beyond the connection's own read buffer; 0 when nothing is held.</summary>
    public long Bytes { get; private set; }

    /// <summary>
    /// Whether a request of <paramref name="requestBytes"/> (line or header plus data) may wait in the buffer until
    /// it is complete; false when the budget cannot cover it, in which case the request must be refused and its data skipped.
    /// </summary>
    public bool TryHold(long requestBytes)
    {
        var beyond = Math.Max(0, requestBytes - ReadBufferBudget.ConnectionBufferBytes);
        if (beyond == Bytes)
        {
            return true;
        }

        Release();
        if (!budget.TryReserve(beyond))
        {
            return false;
        }

        Bytes = beyond;
        return true;
    }

    /// <summary>Ends the hold (the request ran, was refused, or the connection is closing).</summary>
    public void Release()
    {
        if (Bytes != 0)
        {
            budget.Release(Bytes);
            Bytes = 0;
        }
    }
}
