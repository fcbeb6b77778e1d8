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
    /// <summary>md takes the common flags and x (memcached 1.6.27: leave an empty item in place).</summary>
    private static ReadOnlySpan<byte> DeleteFlags => "bNTRlOPLkstcfvhuqFCMJDIEx"u8;

    private void ExecuteDelete(in TextTokens tokens, IBufferWriter<byte> output)
    {
        if (!TryOpen(in tokens, DeleteFlags, output, out var flags, out var key))
        {
            return;
        }

        // memcached checks O's length before it looks the key up. The accepted letters md has no use for
        // (D F J L M N P R c f h l s t u v) change nothing, as in memcached.
        if (OpaqueTooLong(in flags))
        {
            MetaResponseWriter.Write(output, OpaqueTooLongLine);
            return;
        }

        // The values were checked by Open.
        var request = new DeleteRequest { Invalidate = flags.Has((byte)'I'), RemoveValueOnly = flags.Has((byte)'x') };
        if (flags.Has((byte)'T'))
        {
            _ = TryParseExptime(flags.Value((byte)'T'), out var exptime);
            request = request with { UpdateExptime = true, Exptime = exptime };
        }

        if (flags.Has((byte)'C'))
        {
            // memcached's md C0 compares too (only a CAS-0 item matches), under the same bucket lock as the delete.
            _ = AsciiNumber.TryParseUInt64(flags.Value((byte)'C'), out var compareCas);
            request = request with { CompareCas = compareCas, CompareZeroCas = true };
        }

        if (flags.Has((byte)'E'))
        {
            _ = AsciiNumber.TryParseUInt64(flags.Value((byte)'E'), out var newCas);
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
