using System.Diagnostics;

namespace Moat.Defense.Tests.Support;

/// <summary>Bounded polling for conditions outside the test's control (a server starting, a capture attaching).</summary>
internal static class Wait
{
    public static void Until(Func<bool> condition, int seconds = 20)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.Elapsed > TimeSpan.FromSeconds(seconds))
            {
                throw new TimeoutException($"condition not met within {seconds} s");
            }

            Thread.Sleep(50);
        }
    }
}
