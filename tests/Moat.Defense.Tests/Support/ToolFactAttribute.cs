namespace Moat.Defense.Tests.Support;

/// <summary>A fact that needs external tools: SKIPPED with the reason when one is missing.</summary>
[AttributeUsage(AttributeTargets.Method)]
internal sealed class ToolFactAttribute : FactAttribute
{
    public ToolFactAttribute(params string[] tools)
    {
        var missing = tools.Where(tool => Tools.Find(tool) is null).ToList();
        if (missing.Count > 0)
        {
            Skip = $"needs {string.Join(", ", missing)} on PATH";
        }
    }
}
