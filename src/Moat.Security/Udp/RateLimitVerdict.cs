namespace Moat.Security.Udp;

/// <summary>Which rate-limit bucket, if any, stopped a request.</summary>
internal enum RateLimitVerdict
{
    Admitted,
    Source,
    Prefix,
    Global,
}
