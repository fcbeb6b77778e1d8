namespace Moat.Defense.Audit;

/// <summary>What a TLS handshake with the target showed: the certificate and the negotiated protocol.</summary>
internal sealed record TlsDetails(
    string Protocol,
    string Subject,
    string Issuer,
    DateTimeOffset NotAfter,
    string Serial,
    bool ChainValid,
    string? ChainProblem);
