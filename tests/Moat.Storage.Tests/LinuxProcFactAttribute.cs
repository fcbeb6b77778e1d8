namespace Moat.Storage.Tests;

/// <summary>A fact that needs /proc/self/status (Linux) to measure memory; reported as skipped elsewhere.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class LinuxProcFactAttribute : FactAttribute
{
    public LinuxProcFactAttribute()
    {
        if (!File.Exists("/proc/self/status"))
        {
            Skip = "needs /proc/self/status (Linux) to read the process's resident memory";
        }
    }
}
