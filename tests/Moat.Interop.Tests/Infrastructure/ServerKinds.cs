namespace Moat.Interop.Tests.Infrastructure;

/// <summary>The servers every interop scenario runs against: the oracle and the server under test.</summary>
public static class ServerKinds
{
    public static TheoryData<string> All => new() { "memcached", "moat" };
}
