using System.Buffers;
using System.Buffers.Text;
using Moat.Protocol.Meta;
using Moat.Protocol.Text;
using Moat.Storage;

namespace Moat.Server.Meta;

/// <summary>
/// me: memcached's human-readable item dump ("ME key exp= la= cas= fetch= cls= size="). Moat has no slab classes,
/// so cls and size are the virtual ones of <see cref="MemcachedSlabClasses"/> (memcached 1.6.18's item size and
/// default -n 48 -f 1.25 classes), the same that stats items and stats slabs report.
/// </summary>
internal sealed partial class MetaCommandProcessor
{
    private void ExecuteDebug(in TextTokens tokens, IBufferWriter<byte> output)
    {
        if (!context.Options.DumpEnabled || !Hardening.DumpPolicy.AllowsPeer(Counters.RemoteEndPoint?.Address, context.Options.DumpRemote))
        {
            MetaResponseWriter.Write(output, "CLIENT_ERROR meta command not allowed\r\n"u8);
            return;
        }

        if (tokens.Count < 2 || tokens[1].Length > MaxKeyLength)
        {
            MetaResponseWriter.Write(output, BadFormat);
            return;
        }

        var base64 = tokens.Count > 2 && tokens[2].SequenceEqual("b"u8);
        if (!TryDecodeKey(tokens[1], base64, _keyScratch, out var key))
        {
            MetaResponseWriter.Write(output, KeyDecodeError);
            return;
        }

        var peek = new ReadRequest { NoBump = true, MetadataOnly = true };
        var sink = default(MetadataSink);
        if (context.Executor.Store.Read(key, in peek, ref sink) == ReadStatus.Miss)
        {
            MetaResponseWriter.Write(output, "EN\r\n"u8);
            return;
        }

        var metadata = sink.Metadata;
        var classes = context.Executor.Store.SlabClasses;
        var size = classes.ItemSize(key.Length, metadata.ValueLength, metadata.ClientFlags);
        MetaResponseWriter.Write(output, "ME "u8);
        MetaResponseWriter.Write(output, key);
        WriteField(output, " exp="u8, metadata.RemainingTtl);
        WriteField(output, " la="u8, metadata.SecondsSinceLastAccess);
        WriteField(output, " cas="u8, (long)metadata.Cas);
        MetaResponseWriter.Write(output, metadata.FetchedBefore ? " fetch=yes"u8 : " fetch=no"u8);
        WriteField(output, " cls="u8, classes.ClassOfSize(size));
        WriteField(output, " size="u8, size);
        EndLine(output);
    }

    private static void WriteField(IBufferWriter<byte> output, ReadOnlySpan<byte> name, long value)
    {
        MetaResponseWriter.Write(output, name);
        var span = output.GetSpan(20);
        Utf8Formatter.TryFormat(value, span, out var written);
        output.Advance(written);
    }

    /// <summary>Keeps the metadata of a hit (me reads no value).</summary>
    private struct MetadataSink : IItemSink
    {
        public ItemMetadata Metadata { get; private set; }

        public void OnItem(in ItemMetadata metadata, ReadOnlySpan<byte> value) => Metadata = metadata;
    }
}
