namespace Moat.Server.Tests.Security.Harness;

/// <summary>A fact reported as SKIPPED with the reason (never passed) when one of the named executables is missing.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class ToolFactAttribute : FactAttribute
{
    public ToolFactAttribute(params string[] executables)
    {
        var missing = executables.Where(path => !File.Exists(path)).ToList();
        if (missing.Count > 0)
        {
            Skip = $"needs {string.Join(", ", missing)} (libmemcached-tools / memcached)";
        }
    }
}
