namespace Moat.Tests.Kit;

/// <summary>
/// A named conversation with a server, played by <see cref="TranscriptRunner"/> in one of two ways.
/// <list type="bullet">
/// <item>Recorded (<see cref="TranscriptRunner.Play"/>): one request (possibly several pipelined commands) with
/// memcached's exact reply, <see cref="ExpectedReply"/>, and whether it closes the connection, <see cref="ExpectClose"/>.</item>
/// <item>Differential (<see cref="TranscriptRunner.RunAsync"/>): <see cref="Steps"/>, each request text sent at once on
/// one connection and its reply read before the next. Placeholders: <c>{p}</c> becomes a key prefix unique to the run
/// (the same for both servers compared), <c>{cas}</c> the CAS unique of the last <c>VALUE</c> line carrying one on this
/// connection.</item>
/// </list>
/// </summary>
public sealed record Transcript(string Name, IReadOnlyList<string> Steps, string? ExpectedReply = null, bool ExpectClose = false)
{
    /// <summary>A recorded transcript: <paramref name="request"/> and memcached's reply to it.</summary>
    public Transcript(string name, string request, string expectedReply, bool expectClose)
        : this(name, [request], expectedReply, expectClose)
    {
    }

    /// <summary>Every step in one piece.</summary>
    public string Request => string.Concat(Steps);

    public override string ToString() => Name;
}
