namespace Moat.Tests.Kit;

// The one set of skip attributes. Each turns a missing requirement (see Tools.Missing) into Skip, so the test is
// reported SKIPPED with the reason, never passed and never failed. The check runs at discovery, once per test.

/// <summary>A fact that needs the given programs or files (see <see cref="Tools"/> for the forms): SKIPPED when one is missing.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class ToolFactAttribute : FactAttribute
{
    public ToolFactAttribute(params string[] requirements)
    {
        Skip = Tools.Missing(requirements);
    }
}

/// <summary>The theory form of <see cref="ToolFactAttribute"/>.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class ToolTheoryAttribute : TheoryAttribute
{
    public ToolTheoryAttribute(params string[] requirements)
    {
        Skip = Tools.Missing(requirements);
    }
}

/// <summary>A fact that needs Debian's memcached (differential tests), and optionally more: SKIPPED when one is missing.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class MemcachedFactAttribute : FactAttribute
{
    public MemcachedFactAttribute(params string[] more)
    {
        Skip = Tools.Missing(["memcached", .. more]);
    }
}

/// <summary>The theory form of <see cref="MemcachedFactAttribute"/>.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class MemcachedTheoryAttribute : TheoryAttribute
{
    public MemcachedTheoryAttribute(params string[] more)
    {
        Skip = Tools.Missing(["memcached", .. more]);
    }
}

/// <summary>A fact that needs root on Linux (raw sockets, network namespaces) and the given tools: SKIPPED otherwise.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class RootFactAttribute : FactAttribute
{
    public RootFactAttribute(params string[] requirements)
    {
        Skip = Tools.Missing([Tools.Root, .. requirements]);
    }
}

/// <summary>The theory form of <see cref="RootFactAttribute"/>.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class RootTheoryAttribute : TheoryAttribute
{
    public RootTheoryAttribute(params string[] requirements)
    {
        Skip = Tools.Missing([Tools.Root, .. requirements]);
    }
}
