namespace Moat.Defense.Analysis;

/// <summary>A datagram classified as one part of a memcached UDP response message (MRSP).</summary>
internal readonly record struct MemcachedResponse(ushort RequestId, ushort Sequence, ushort Total);
