using Moat.Protocol.Text;

namespace Moat.Protocol.Meta;

/// <summary>
/// The flag tokens of one meta command line (everything after the key): which single-letter flags are present and
/// the text that follows each letter. Flags are case-sensitive letters; memcached refuses unknown and repeated ones.
/// </summary>
internal ref struct MetaFlags
{
    private TextTokens _tokens;
    private ulong _present;

    /// <summary>Index of the first flag token (the one after the key).</summary>
    public int FirstFlagToken { get; private set; }

    /// <summary>The tokens of the line.</summary>
    public readonly TextTokens Tokens => _tokens;

    /// <summary>
    /// Reads the flags from token <paramref name="firstFlagToken"/> on, in order, stopping at the first error as
    /// memcached does: a letter seen twice, or any byte of 127 and above, is <see cref="MetaFlagError.Duplicate"/>;
    /// a letter not in <paramref name="allowed"/> is <see cref="MetaFlagError.Invalid"/>.
    /// </summary>
    public static MetaFlagError Parse(in TextTokens tokens, int firstFlagToken, ReadOnlySpan<byte> allowed, out MetaFlags flags)
    {
        flags = default;
        flags._tokens = tokens;
        flags.FirstFlagToken = firstFlagToken;
        for (var i = firstFlagToken; i < tokens.Count; i++)
        {
            var letter = tokens[i][0];
            if (letter >= 127)
            {
                // memcached's table of seen flags stops at 126: it calls anything beyond a duplicate.
                return MetaFlagError.Duplicate;
            }

            if (allowed.IndexOf(letter) < 0 || !TryBit(letter, out var bit))
            {
                return MetaFlagError.Invalid;
            }

            if ((flags._present & bit) != 0)
            {
                return MetaFlagError.Duplicate;
            }

            flags._present |= bit;
        }

        return MetaFlagError.None;
    }

    /// <summary>Whether the flag letter is present.</summary>
    public readonly bool Has(byte letter) => TryBit(letter, out var bit) && (_present & bit) != 0;

    /// <summary>The text after the letter of the flag's token (empty when absent or bare).</summary>
    public readonly ReadOnlySpan<byte> Value(byte letter)
    {
        for (var i = FirstFlagToken; i < _tokens.Count; i++)
        {
            var token = _tokens[i];
            if (token[0] == letter)
            {
                return token[1..];
            }
        }

        return [];
    }

    private static bool TryBit(byte letter, out ulong bit)
    {
        var index = letter - 'A';
        if (index is < 0 or >= 64)
        {
            bit = 0;
            return false;
        }

        bit = 1UL << index;
        return true;
    }
}
