namespace Moat.Server.Tests.Security.Harness;

/// <summary>
/// A fact that needs root (raw sockets, network namespaces) and optionally tools on PATH: reported as SKIPPED with
/// the reason, never as passed, when the process is not root or a tool is missing.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class RootFactAttribute : FactAttribute
{
    public RootFactAttribute(params string[] tools)
    {
        Skip = NativeMethods.MissingRootOrTools(tools);
    }
}
