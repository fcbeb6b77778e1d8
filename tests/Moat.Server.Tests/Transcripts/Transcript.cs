namespace Moat.Server.Tests.Transcripts;

/// <summary>One request (possibly several pipelined commands) and memcached's exact reply and connection outcome.</summary>
public sealed record Transcript(string Name, string Request, string ExpectedReply, bool ExpectClose);
