namespace Moat.Security.Udp;

/// <summary>Result of verifying an address-validation token. Anything but Valid means "unvalidated".</summary>
internal enum TokenCheck
{
    Valid,

    /// <summary>Bad encoding, wrong version, wrong MAC, another address or another identity.</summary>
    Invalid,

    /// <summary>Authentic but past its expiry.</summary>
    Expired,
}
