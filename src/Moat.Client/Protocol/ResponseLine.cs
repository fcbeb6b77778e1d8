using System.Buffers;

namespace Moat.Client.Protocol;

/// <summary>
/// One response line split the way every operation reads it: the whole line (for error messages), its first token
/// and what that token says, and the rest (meta flags or VALUE fields). Lives on the stack.
/// </summary>
internal readonly ref struct ResponseLine
{
    private ResponseLine(ReadOnlySpan<byte> text, ReadOnlySpan<byte> first, ReadOnlySpan<byte> rest)
    {
        Text = text;
        First = first;
        Rest = rest;
        Code = ResponseParsing.Classify(first);
    }

    public ReadOnlySpan<byte> Text { get; }

    public ReadOnlySpan<byte> First { get; }

    /// <summary>Everything after the first token (copy it into a local to take further tokens).</summary>
    public ReadOnlySpan<byte> Rest { get; }

    public ResponseCode Code { get; }

    /// <summary>Splits a line read by <see cref="ResponseParsing.TryReadLine"/>; copied into <paramref name="scratch"/> only if it spans segments.</summary>
    public static ResponseLine Parse(scoped in ReadOnlySequence<byte> line, Span<byte> scratch)
    {
        var text = ResponseParsing.Flatten(line, scratch);
        var rest = text;
        ResponseParsing.NextToken(ref rest, out var first);
        return new ResponseLine(text, first, rest);
    }
}
