namespace Moat.Defense.Tests.Support;

/// <summary>Bounded polling for conditions outside the test's control (a server starting, a capture attaching).</summary>
internal static class Wait
{
    public static void Until(Func<bool> condition, int seconds = 20)
    {
        if (!Poll.Until(condition, TimeSpan.FromSeconds(seconds)))
        {
            throw new TimeoutException($"condition not met within {seconds} s");
        }
    }
}
