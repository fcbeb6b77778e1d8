using System.Buffers;
using Moat.Client.Protocol;

namespace Moat.Client.Operations;

/// <summary>
/// An operation answered by one status line (store, delete, touch): subclasses only map the status codes they
/// expect to a result; error lines and anything unexpected are handled here.
/// </summary>
internal abstract class SingleLineOperation<T> : Operation<T>
{
    public sealed override bool TryReadResponse(ref SequenceReader<byte> reader)
    {
        if (!ResponseParsing.TryReadLine(ref reader, out var lineSequence))
        {
            return false;
        }

        Span<byte> scratch = stackalloc byte[512];
        var line = ResponseParsing.Flatten(lineSequence, scratch);
        var rest = line;
        ResponseParsing.NextToken(ref rest, out var first);
        var code = ResponseParsing.Classify(first);

        if (TryInterpret(code, out var result))
        {
            Complete(result);
        }
        else
        {
            FailWithAnswer(code, line);
        }

        return true;
    }

    /// <summary>The result a status code stands for; false when the code is not an answer to this request.</summary>
    protected abstract bool TryInterpret(ResponseCode code, out T result);
}
