namespace Moat.Storage.Tests.Model;

/// <summary>The reference model's view of one key.</summary>
internal sealed record ModelItem(string Value, uint Flags, uint Expiry, ulong Cas);
