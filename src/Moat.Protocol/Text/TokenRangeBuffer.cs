using System.Runtime.CompilerServices;

namespace Moat.Protocol.Text;

/// <summary>Fixed inline storage for the tokens of one line, so tokenizing never allocates.</summary>
[InlineArray(TextTokens.MaxTokens)]
internal struct TokenRangeBuffer
{
    private TokenRange _element0;
}
