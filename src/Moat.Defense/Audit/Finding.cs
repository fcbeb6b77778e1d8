namespace Moat.Defense.Audit;

/// <summary>One audit finding with the evidence that supports it and where the rule comes from.</summary>
internal sealed record Finding(string Id, Severity Severity, string Title, string Evidence, string Source);
