namespace Moat.Protocol.Text;

/// <summary>Where one token lies inside its command line.</summary>
internal readonly record struct TokenRange(int Start, int Length);
