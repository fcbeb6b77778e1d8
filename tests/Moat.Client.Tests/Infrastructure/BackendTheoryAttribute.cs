using Xunit.Abstractions;
using Xunit.Sdk;

namespace Moat.Client.Tests.Infrastructure;

/// <summary>
/// A theory over server backends: each row's first argument names the backend ("memcached", "moat"), its
/// <see cref="WireProtocol"/> argument the protocol (meta when there is none). A row is reported SKIPPED (never
/// passed) when that backend, or its support for that protocol, is not available here (<see cref="Backends.WhySkipped"/>).
/// </summary>
[XunitTestCaseDiscoverer("Moat.Client.Tests.Infrastructure.BackendTheoryDiscoverer", "Moat.Client.Tests")]
[AttributeUsage(AttributeTargets.Method)]
public sealed class BackendTheoryAttribute : TheoryAttribute
{
}

/// <summary>
/// Discovers a <see cref="BackendTheoryAttribute"/> as a theory and skips the rows whose backend cannot run here
/// (xunit 2 itself decides skipping per data attribute, not per row).
/// </summary>
public sealed class BackendTheoryDiscoverer(IMessageSink diagnosticMessageSink) : TheoryDiscoverer(diagnosticMessageSink)
{
    protected override IEnumerable<IXunitTestCase> CreateTestCasesForDataRow(ITestFrameworkDiscoveryOptions discoveryOptions, ITestMethod testMethod, IAttributeInfo theoryAttribute, object[] dataRow) =>
        Backends.WhySkipped((string)dataRow[0], dataRow.OfType<WireProtocol>().FirstOrDefault(WireProtocol.Meta)) is { } reason
            ? CreateTestCasesForSkippedDataRow(discoveryOptions, testMethod, theoryAttribute, dataRow, reason)
            : base.CreateTestCasesForDataRow(discoveryOptions, testMethod, theoryAttribute, dataRow);
}
