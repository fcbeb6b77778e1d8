namespace Moat.Protocol.Text;

/// <summary>
/// The tokens of one text-protocol command line, split on spaces exactly as memcached's tokenize_command does:
/// empty tokens are skipped and at most <see cref="MaxTokens"/> - 1 tokens are taken; anything after them is kept
/// as <see cref="HasMore"/> (memcached's non-null terminal token). Only multi-key gets look past that limit.
/// </summary>
internal ref struct TextTokens
{
    /// <summary>memcached's MAX_TOKENS: 23 real tokens plus the terminal one.</summary>
    public const int MaxTokens = 24;

    private TokenRangeBuffer _ranges;

    /// <summary>The line the tokens point into (no "\r\n").</summary>
    public ReadOnlySpan<byte> Line { get; private set; }

    /// <summary>Real tokens found, at most <see cref="MaxTokens"/> - 1.</summary>
    public int Count { get; private set; }

    /// <summary>More tokens follow after the ones counted (only a multi-get reads them).</summary>
    public bool HasMore { get; private set; }

    /// <summary>Offset in <see cref="Line"/> where the uncounted rest begins (valid when <see cref="HasMore"/>).</summary>
    public int RestOffset { get; private set; }

    /// <summary>memcached's ntokens: the real tokens plus the terminal token.</summary>
    public readonly int MemcachedCount => Count + 1;

    /// <summary>The token at <paramref name="index"/>.</summary>
    public readonly ReadOnlySpan<byte> this[int index]
    {
        get
        {
            var range = _ranges[index];
            return Line.Slice(range.Start, range.Length);
        }
    }

    /// <summary>Offset in <see cref="Line"/> where the token at <paramref name="index"/> starts.</summary>
    public readonly int StartOf(int index) => _ranges[index].Start;

    /// <summary>Splits <paramref name="line"/> into tokens.</summary>
    public static TextTokens Tokenize(ReadOnlySpan<byte> line)
    {
        var tokens = default(TextTokens);
        tokens.Line = line;
        var count = 0;
        var i = 0;
        while (i < line.Length)
        {
            while (i < line.Length && line[i] == (byte)' ')
            {
                i++;
            }

            if (i == line.Length)
            {
                break;
            }

            if (count == MaxTokens - 1)
            {
                tokens.HasMore = true;
                tokens.RestOffset = i;
                break;
            }

            var start = i;
            var end = line[start..].IndexOf((byte)' ');
            end = end < 0 ? line.Length : start + end;
            tokens._ranges[count++] = new TokenRange(start, end - start);
            i = end;
        }

        tokens.Count = count;
        return tokens;
    }

    /// <summary>Whether the last counted token is "noreply" (memcached's set_noreply_maybe).</summary>
    public readonly bool EndsWithNoReply => Count > 0 && this[Count - 1].SequenceEqual("noreply"u8);
}
