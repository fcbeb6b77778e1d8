using Moat.Defense.Decoding;

namespace Moat.Defense.Analysis;

/// <summary>One bucket in which one subject met a verdict rule; consecutive hits merge into a <see cref="Verdict"/>.</summary>
internal sealed record VerdictHit(
    VerdictType Type,
    IpKey Subject,
    long Bucket,
    double PacketsPerSecond,
    double BitsPerSecond,
    int Reflectors,
    int Victims,
    long RequestBytes,
    long ResponseBytes);
