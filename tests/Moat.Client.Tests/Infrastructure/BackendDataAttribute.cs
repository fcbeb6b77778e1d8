using System.Reflection;
using Xunit.Sdk;

namespace Moat.Client.Tests.Infrastructure;

/// <summary>
/// One row of a <see cref="BackendTheoryAttribute"/>: a server backend ("memcached", "moat") and any further
/// arguments (a <see cref="WireProtocol"/>; meta when none is given).
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = true)]
public sealed class BackendDataAttribute(string backend, params object[] more) : DataAttribute
{
    public override IEnumerable<object[]> GetData(MethodInfo testMethod) => [[backend, .. more]];
}

/// <summary>The rows of a <see cref="BackendTheoryAttribute"/> that runs on every backend over meta and over text.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class AllBackendsAttribute : DataAttribute
{
    public override IEnumerable<object[]> GetData(MethodInfo testMethod) =>
        from backend in new[] { "memcached", "moat" }
        from protocol in new[] { WireProtocol.Meta, WireProtocol.Text }
        select new object[] { backend, protocol };
}
