
namespace Moat.Defense.Tests.Support;

/// <summary>
/// A fact that needs root and the named tools: it reports SKIPPED with the reason (never passes)
/// when the process is not root or a tool is missing from PATH.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
internal sealed class RootFactAttribute : FactAttribute
{
    public RootFactAttribute(params string[] tools)
    {
        if (!OperatingSystem.IsLinux() || NativeMethods.geteuid() != 0)
        {
            Skip = "needs root (raw sockets / network namespaces)";
            return;
        }

        var missing = tools.Where(tool => Tools.Find(tool) is null).ToList();
        if (missing.Count > 0)
        {
            Skip = $"needs {string.Join(", ", missing)} on PATH";
        }
    }
}
