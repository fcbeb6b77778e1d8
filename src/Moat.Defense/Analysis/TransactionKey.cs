using Moat.Defense.Decoding;

namespace Moat.Defense.Analysis;

/// <summary>(reflector, reflector port, client, client port, request id): how responses find their request.</summary>
internal readonly record struct TransactionKey(IpKey Reflector, int ReflectorPort, IpKey Client, int ClientPort, ushort RequestId);
