namespace Moat.Interop.Tests.Infrastructure;

/// <summary>Groups the test classes that share <see cref="ServersFixture"/>.</summary>
[CollectionDefinition(Name)]
public sealed class ServersGroup : ICollectionFixture<ServersFixture>
{
    public const string Name = "Servers";
}
