using Moat.Defense.Decoding;

namespace Moat.Defense.Analysis;

/// <summary>A verdict over an interval of consecutive buckets, with peak values.</summary>
internal sealed record Verdict(
    VerdictType Type,
    IpKey Subject,
    long StartBucket,
    long EndBucket,
    double PeakPacketsPerSecond,
    double PeakBitsPerSecond,
    int Reflectors,
    int Victims,
    double? Baf)
{
    public bool IsAttack => Type is VerdictType.VictimUnderAttack or VerdictType.ReflectorAbused;

    public static string Name(VerdictType type) => type switch
    {
        VerdictType.VictimUnderAttack => "victim_under_attack",
        VerdictType.ReflectorAbused => "reflector_abused",
        VerdictType.ReflectorGuarded => "reflector_guarded",
        _ => "reflector_targeted",
    };
}
