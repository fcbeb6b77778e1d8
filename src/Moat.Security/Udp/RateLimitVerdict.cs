namespace Moat.Security.Udp;

/// <summary>Which bucket, if any, stopped a request (A8).</summary>
internal enum RateLimitVerdict
{
    Admitted,
    Source,
    Prefix,
    Global,
}
