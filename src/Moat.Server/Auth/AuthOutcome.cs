namespace Moat.Server.Auth;

/// <summary>The result of one authentication attempt.</summary>
internal enum AuthOutcome : byte
{
    /// <summary>The credentials matched; the session is signed in.</summary>
    Success,

    /// <summary>The credentials did not match.</summary>
    Failure,

    /// <summary>Not checked: the peer's address failed too often recently.</summary>
    RateLimited,
}
