using System.Runtime.InteropServices;

namespace Moat.Server.Tests.Security.Harness;

internal static partial class NativeMethods
{
    [LibraryImport("libc")]
    public static partial uint geteuid();

    /// <summary>Why a root test cannot run here, or null when it can.</summary>
    public static string? MissingRootOrTools(string[] tools)
    {
        if (!OperatingSystem.IsLinux() || geteuid() != 0)
        {
            return "needs root on Linux (raw sockets, network namespaces)";
        }

        var path = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':');
        var missing = tools.Where(tool => !path.Any(dir => File.Exists(Path.Combine(dir, tool)))).ToList();
        return missing.Count == 0 ? null : $"needs {string.Join(", ", missing)} on PATH";
    }
}
