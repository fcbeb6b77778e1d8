namespace Moat.Client;

/// <summary>Options for <see cref="IMoatClient.GetOrCreateAsync{T}"/> (meta <c>mg N/R</c> stampede protection).</summary>
/// <param name="TimeToLive">Lifetime of the value the factory produces.</param>
/// <param name="LockTimeToLive">How long the placeholder that elects one recomputing caller lives; if that caller dies
/// the next caller after this time wins.</param>
/// <param name="RecacheWhenTtlBelow">Elect one caller to recompute early when the remaining TTL drops below this.</param>
/// <param name="ServeStale">Return a stale (invalidated) value to the callers that did not win the recompute.</param>
public sealed record StampedeOptions(TimeSpan TimeToLive, TimeSpan LockTimeToLive, TimeSpan? RecacheWhenTtlBelow = null, bool ServeStale = true);
