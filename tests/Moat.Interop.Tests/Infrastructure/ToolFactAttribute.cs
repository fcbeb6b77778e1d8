namespace Moat.Interop.Tests.Infrastructure;

/// <summary>A fact that reports SKIPPED (never passed) when a required external tool is missing.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class ToolFactAttribute : FactAttribute
{
    public ToolFactAttribute(ToolRequirement required)
    {
        Required = required;
        if (ExternalTools.MissingReason(required) is { } reason)
        {
            Skip = reason;
        }
    }

    public ToolRequirement Required { get; }
}
