namespace Moat.Security.Udp;

/// <summary>How much a UDP source is believed (docs/udp.md#terms), from least to most.</summary>
public enum SourceClass
{
    /// <summary>Failed the ACL or the sanity rules: dropped silently.</summary>
    Denied,

    /// <summary>Anyone: the source address may be spoofed, so the amplification guard applies.</summary>
    Unvalidated,

    /// <summary>Carries a valid address-validation token for its source address.</summary>
    Validated,

    /// <summary>Inside an operator-configured <c>--udp-trusted</c> network.</summary>
    Trusted,
}
