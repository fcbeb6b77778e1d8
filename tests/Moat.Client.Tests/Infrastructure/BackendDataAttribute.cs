using System.Reflection;
using Xunit.Sdk;

namespace Moat.Client.Tests.Infrastructure;

/// <summary>
/// One theory row per server backend ("memcached", "moat") and protocol; the row is reported SKIPPED (never
/// passed) when that backend is not available on this machine.
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = true)]
public sealed class BackendDataAttribute : DataAttribute
{
    private readonly object[] _row;

    public BackendDataAttribute(string backend, params object[] more)
    {
        _row = [backend, .. more];
        var reason = Backends.WhySkipped(backend);
        if (reason is not null)
        {
            Skip = reason;
        }
    }

    public override IEnumerable<object[]> GetData(MethodInfo testMethod) => [_row];
}
