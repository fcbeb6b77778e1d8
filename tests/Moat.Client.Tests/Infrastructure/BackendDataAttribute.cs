using System.Reflection;
using Xunit.Sdk;

namespace Moat.Client.Tests.Infrastructure;

/// <summary>
/// One theory row per server backend ("memcached", "moat") and protocol (meta when none is given); the row is
/// reported SKIPPED (never passed) when that backend, or its support for that protocol, is not available.
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = true)]
public sealed class BackendDataAttribute : DataAttribute
{
    private readonly object[] _row;

    public BackendDataAttribute(string backend, params object[] more)
    {
        _row = [backend, .. more];
        var protocol = more.OfType<WireProtocol>().FirstOrDefault(WireProtocol.Meta);
        var reason = Backends.WhySkipped(backend, protocol);
        if (reason is not null)
        {
            Skip = reason;
        }
    }

    public override IEnumerable<object[]> GetData(MethodInfo testMethod) => [_row];
}
