using System.Buffers;
using Moat.Client.Protocol;

namespace Moat.Client.Operations;

/// <summary>
/// An operation answered by one status line (store, delete, touch): subclasses only map the status codes they
/// expect to a result; error lines and anything unexpected are handled here.
/// </summary>
internal abstract class SingleLineOperation<T> : KeyedOperation<T>
{
    public sealed override bool TryReadResponse(ref SequenceReader<byte> reader)
    {
        if (!ResponseParsing.TryReadLine(ref reader, out var lineSequence))
        {
            return false;
        }

        Span<byte> scratch = stackalloc byte[512];
        var line = ResponseLine.Parse(lineSequence, scratch);

        if (TryInterpret(line.Code, out var result))
        {
            Complete(result);
        }
        else
        {
            FailWithAnswer(line);
        }

        return true;
    }

    /// <summary>The result a status line.Code stands for; false when the line.Code is not an answer to this request.</summary>
    protected abstract bool TryInterpret(ResponseCode code, out T result);
}
