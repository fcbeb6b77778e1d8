namespace Moat.Server.Tests.Security.Auth;

/// <summary>A fact reported as SKIPPED (never passed) when one of the tools it drives is not installed.</summary>
public sealed class RequiresToolFactAttribute : FactAttribute
{
    public RequiresToolFactAttribute(params string[] tools)
    {
        var missing = tools.Where(tool => !File.Exists(tool)).ToArray();
        if (missing.Length > 0)
        {
            Skip = $"not installed: {string.Join(", ", missing)}";
        }
    }
}
