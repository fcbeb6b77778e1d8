using System.Buffers;
using Moat.Protocol;
using Moat.Protocol.Meta;
using Moat.Protocol.Text;
using Moat.Storage;

namespace Moat.Server.Meta;

/// <summary>
/// md: delete, optionally only at a given CAS, or invalidate (mark stale) instead of removing, or (x) leave an empty
/// item in place; E chooses the CAS the invalidated or emptied item gets.
/// </summary>
internal sealed partial class MetaCommandProcessor
{
    private static ReadOnlySpan<byte> DeleteFlags => "bCEIkOqTx"u8;

    private void ExecuteDelete(in TextTokens tokens, IBufferWriter<byte> output)
    {
        if (!TryOpen(in tokens, DeleteFlags, output, out var flags, out var key))
        {
            return;
        }

        var request = new DeleteRequest { Invalidate = flags.Has((byte)'I'), RemoveValueOnly = flags.Has((byte)'x') };
        if (flags.Has((byte)'T'))
        {
            if (!TryParseExptime(flags.Value((byte)'T'), out var exptime))
            {
                MetaResponseWriter.Write(output, InvalidOrDuplicate);
                return;
            }

            request = request with { UpdateExptime = true, Exptime = exptime };
        }

        if (flags.Has((byte)'C'))
        {
            if (!AsciiNumber.TryParseUInt64(flags.Value((byte)'C'), out var compareCas))
            {
                MetaResponseWriter.Write(output, InvalidOrDuplicate);
                return;
            }

            // memcached's md C0 compares too (only a CAS-0 item matches), under the same bucket lock as the delete.
            request = request with { CompareCas = compareCas, CompareZeroCas = true };
        }

        if (flags.Has((byte)'E'))
        {
            if (!AsciiNumber.TryParseUInt64(flags.Value((byte)'E'), out var newCas))
            {
                MetaResponseWriter.Write(output, InvalidOrDuplicate);
                return;
            }

            request = request with { ExplicitCas = newCas };
        }

        var status = context.Executor.Delete(key, in request, ref Counters.Values);
        ReadOnlySpan<byte> code;
        switch (status)
        {
            case DeleteStatus.Deleted:
                if (flags.Has((byte)'q'))
                {
                    return;
                }

                code = "HD"u8;
                break;
            case DeleteStatus.Exists:
                // memcached's md counts a CAS mismatch as a delete miss.
                Counters.Values.DeleteMisses++;
                code = "EX"u8;
                break;
            default:
                code = "NF"u8;
                break;
        }

        MetaResponseWriter.Write(output, code);
        WriteKeyAndOpaque(output, in flags);
        EndLine(output);
    }
}
