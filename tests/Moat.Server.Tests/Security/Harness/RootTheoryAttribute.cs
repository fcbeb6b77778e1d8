namespace Moat.Server.Tests.Security.Harness;

/// <summary>The theory form of <see cref="RootFactAttribute"/>.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class RootTheoryAttribute : TheoryAttribute
{
    public RootTheoryAttribute(params string[] tools)
    {
        Skip = NativeMethods.MissingRootOrTools(tools);
    }
}
