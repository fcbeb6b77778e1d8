namespace Moat.Defense.Audit;

/// <summary>Finding severities in increasing order (for <c>--fail-on</c>).</summary>
internal enum Severity
{
    Info,
    Low,
    Medium,
    High,
    Critical,
}
