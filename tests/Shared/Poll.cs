using System.Diagnostics;

namespace Moat.Tests.Kit;

/// <summary>
/// Bounded polling for what a test does not control (a reload after SIGHUP, a datagram handled, a server starting):
/// the condition is checked every 50 ms until it holds or the time is up.
/// </summary>
public static class Poll
{
    /// <summary>True as soon as <paramref name="condition"/> holds; false once <paramref name="timeout"/> has passed without it.</summary>
    public static bool Until(Func<bool> condition, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.Elapsed > timeout)
            {
                return false;
            }

            Thread.Sleep(50);
        }

        return true;
    }

    /// <summary><see cref="Until"/> for a condition that must be awaited.</summary>
    public static async Task<bool> UntilAsync(Func<Task<bool>> condition, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (!await condition())
        {
            if (clock.Elapsed > timeout)
            {
                return false;
            }

            await Task.Delay(50);
        }

        return true;
    }
}
