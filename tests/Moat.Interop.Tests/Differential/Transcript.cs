namespace Moat.Interop.Tests.Differential;

/// <summary>
/// A named conversation: each step is request text sent at once on one connection, then the reply is read.
/// Placeholders: <c>{p}</c> becomes a key prefix unique to the run (the same for both servers compared), <c>{cas}</c>
/// the CAS unique of the last <c>VALUE</c> line carrying one on this connection.
/// </summary>
public sealed record Transcript(string Name, IReadOnlyList<string> Steps)
{
    public override string ToString() => Name;
}
