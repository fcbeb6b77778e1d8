using Moat.Security.Network;

namespace Moat.Security.Udp;

/// <summary>
/// The UDP token buckets: per source and per prefix for request counts, global response bytes for unvalidated
/// sources, per source for validated and trusted ones. A request is admitted only if every applicable count bucket
/// has a token, and only then are tokens taken from all of them; nothing is answered to say "slow down".
/// </summary>
internal sealed class UdpRateLimiter
{
    private readonly TimeProvider _clock;
    private readonly UdpRateLimitSettings _settings;
    private readonly Lock _lock = new();
    private readonly BoundedBucketTable _unvalidatedSources;
    private readonly BoundedBucketTable _unvalidatedPrefixes;
    private readonly BoundedBucketTable _tokenRequestPrefixes;
    private readonly BoundedBucketTable _validatedSources;
    private readonly BoundedBucketTable _validatedBytes;
    private readonly TokenBucket _globalBytes;

    public UdpRateLimiter(TimeProvider clock, UdpRateLimitSettings settings)
    {
        ArgumentNullException.ThrowIfNull(clock);
        ArgumentNullException.ThrowIfNull(settings);
        if (settings.Prefix4 is < 8 or > 32 || settings.Prefix6 is < 16 or > 128)
        {
            throw new ArgumentOutOfRangeException(nameof(settings), "UDP prefix lengths must be /8–/32 (IPv4) and /16–/128 (IPv6).");
        }

        _clock = clock;
        _settings = settings;
        var idle = (long)(settings.IdleExpiry.TotalSeconds * clock.TimestampFrequency);
        var now = clock.GetTimestamp();
        _unvalidatedSources = new BoundedBucketTable(settings.SourceCapacity, settings.UnvalidatedPerSource, idle);
        _unvalidatedPrefixes = new BoundedBucketTable(settings.PrefixCapacity, settings.UnvalidatedPerPrefix, idle);
        _tokenRequestPrefixes = new BoundedBucketTable(settings.PrefixCapacity, settings.TokenRequestsPerPrefix, idle);
        _validatedSources = new BoundedBucketTable(settings.SourceCapacity, settings.ValidatedPerSource, idle);
        _validatedBytes = new BoundedBucketTable(settings.SourceCapacity, settings.ValidatedBytesPerSource, idle);
        _globalBytes = new TokenBucket(settings.UnvalidatedGlobalBytes, now);
    }

    /// <summary>Entries currently held for unvalidated sources (bounded by the source capacity).</summary>
    public int TrackedUnvalidatedSources
    {
        get
        {
            lock (_lock)
            {
                return _unvalidatedSources.Count;
            }
        }
    }

    /// <summary>Decides whether a request may be processed at all, taking one token from every applicable bucket if so.</summary>
    public RateLimitVerdict AdmitRequest(SourceClass sourceClass, ReadOnlySpan<byte> address, bool isTokenRequest = false)
    {
        var source = AddressKey.From(address);
        var frequency = _clock.TimestampFrequency;
        lock (_lock)
        {
            var now = _clock.GetTimestamp();
            if (sourceClass is SourceClass.Validated or SourceClass.Trusted)
            {
                var bucket = _validatedSources.Get(source, now);
                if (!bucket.Has(1, now, frequency))
                {
                    return RateLimitVerdict.Source;
                }

                bucket.Take(1, now);
                return RateLimitVerdict.Admitted;
            }

            if (sourceClass != SourceClass.Unvalidated)
            {
                return RateLimitVerdict.Source;
            }

            var prefix = AddressKey.Prefix(address, _settings.Prefix4, _settings.Prefix6);
            var sourceBucket = _unvalidatedSources.Get(source, now);
            if (!sourceBucket.Has(1, now, frequency))
            {
                return RateLimitVerdict.Source;
            }

            var prefixBucket = _unvalidatedPrefixes.Get(prefix, now);
            if (!prefixBucket.Has(1, now, frequency))
            {
                return RateLimitVerdict.Prefix;
            }

            TokenBucket? tokenBucket = null;
            if (isTokenRequest)
            {
                tokenBucket = _tokenRequestPrefixes.Get(prefix, now);
                if (!tokenBucket.Has(1, now, frequency))
                {
                    return RateLimitVerdict.Prefix;
                }
            }

            sourceBucket.Take(1, now);
            prefixBucket.Take(1, now);
            tokenBucket?.Take(1, now);
            return RateLimitVerdict.Admitted;
        }
    }

    /// <summary>Takes the bytes of a response about to be sent from the byte bucket of its class; false means send nothing.</summary>
    public bool TryTakeResponseBytes(SourceClass sourceClass, ReadOnlySpan<byte> address, long bytes)
    {
        var frequency = _clock.TimestampFrequency;
        lock (_lock)
        {
            var now = _clock.GetTimestamp();
            var bucket = sourceClass switch
            {
                SourceClass.Unvalidated => _globalBytes,
                SourceClass.Validated or SourceClass.Trusted => _validatedBytes.Get(AddressKey.From(address), now),
                _ => null,
            };
            if (bucket is null || !bucket.Has(bytes, now, frequency))
            {
                return false;
            }

            bucket.Take(bytes, now);
            return true;
        }
    }
}
