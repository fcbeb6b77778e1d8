using System.Collections.Concurrent;

namespace Moat.Client.Operations;

/// <summary>A bounded pool of one operation type, so a steady stream of calls allocates no operation objects.</summary>
internal static class OperationPool<TOperation>
    where TOperation : Operation, new()
{
    private const int Capacity = 4096;
    private static readonly ConcurrentQueue<TOperation> Items = new();
    private static int _count;

    public static TOperation Rent()
    {
        if (Items.TryDequeue(out var operation))
        {
            Interlocked.Decrement(ref _count);
            return operation;
        }

        return new TOperation();
    }

    public static void Return(TOperation operation)
    {
        if (Interlocked.Increment(ref _count) <= Capacity)
        {
            Items.Enqueue(operation);
        }
        else
        {
            Interlocked.Decrement(ref _count);
        }
    }
}
