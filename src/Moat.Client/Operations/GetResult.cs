namespace Moat.Client.Operations;

/// <summary>A read plus the meta stampede flags (W = you recompute, Z = someone else does, X = stale).</summary>
internal readonly record struct GetResult<T>(CacheHit<T> Hit, bool Won, bool Stale, bool OtherIsRecaching);
