namespace Moat.Client.Tests.Infrastructure;

/// <summary>A fact that is reported SKIPPED when an external program it needs is missing.</summary>
public sealed class RequiresToolFactAttribute : FactAttribute
{
    public RequiresToolFactAttribute(params string[] paths)
    {
        var missing = paths.Where(path => !File.Exists(path)).ToList();
        if (missing.Count > 0)
        {
            Skip = "missing tool(s): " + string.Join(", ", missing);
        }
    }
}
