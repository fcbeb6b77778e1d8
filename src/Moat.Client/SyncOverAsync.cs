namespace Moat.Client;

/// <summary>
/// The one place where the client blocks on its own asynchronous work, for the members whose contracts are
/// synchronous (<see cref="IDisposable.Dispose"/>, the sync half of IDistributedCache). Blocking is safe there: every
/// await in the client uses ConfigureAwait(false) and its socket I/O completes on pool threads, so no continuation
/// needs the blocked caller's context. Blocking anywhere else is banned (BannedSymbols.txt).
/// </summary>
internal static class SyncOverAsync
{
#pragma warning disable RS0030 // Banned elsewhere; this is the sanctioned blocking point.
    public static void Wait(Task task) => task.GetAwaiter().GetResult();

    public static T Wait<T>(Task<T> task) => task.GetAwaiter().GetResult();

    public static void Wait(ValueTask task)
    {
        if (task.IsCompletedSuccessfully)
        {
            return;
        }

        task.AsTask().GetAwaiter().GetResult();
    }

    public static T Wait<T>(ValueTask<T> task) => task.IsCompletedSuccessfully ? task.Result : task.AsTask().GetAwaiter().GetResult();
#pragma warning restore RS0030
}
