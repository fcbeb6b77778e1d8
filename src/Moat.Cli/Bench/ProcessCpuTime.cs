using System.Globalization;

namespace Moat.Cli.Bench;

/// <summary>Reads another process's consumed CPU time (user + system) from Linux's /proc/&lt;pid&gt;/stat.</summary>
internal static class ProcessCpuTime
{
    // USER_HZ: the unit of utime/stime in /proc. Linux fixes it at 100 for user space on every architecture
    // (the kernel's internal HZ may differ, /proc converts); `getconf CLK_TCK` prints it.
    private const double ClockTicksPerSecond = 100.0;

    /// <summary>CPU seconds used so far by <paramref name="pid"/>, or null if /proc is missing or the process is gone.</summary>
    public static double? Read(int pid)
    {
        string text;
        try
        {
            text = File.ReadAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/stat");
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }

        return Parse(text);
    }

    /// <summary>
    /// Fields 14 and 15 (utime, stime) of a stat line. The command name (field 2) is in parentheses and may hold
    /// spaces, so counting starts after the last ')'.
    /// </summary>
    internal static double? Parse(string statLine)
    {
        var close = statLine.LastIndexOf(')');
        if (close < 0)
        {
            return null;
        }

        // After ")": field 3 (state) is the first token, so utime (14) is index 11 and stime (15) index 12.
        var fields = statLine[(close + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (fields.Length < 13
            || !long.TryParse(fields[11], NumberStyles.None, CultureInfo.InvariantCulture, out var user)
            || !long.TryParse(fields[12], NumberStyles.None, CultureInfo.InvariantCulture, out var system))
        {
            return null;
        }

        return (user + system) / ClockTicksPerSecond;
    }
}
