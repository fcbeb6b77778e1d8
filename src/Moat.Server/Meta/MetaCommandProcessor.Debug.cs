using System.Buffers;
using System.Buffers.Text;
using Moat.Protocol.Meta;
using Moat.Protocol.Text;
using Moat.Storage;

namespace Moat.Server.Meta;

/// <summary>
/// me: memcached's human-readable item dump ("ME key exp= la= cas= fetch= cls= size="). Moat has no slab classes,
/// so cls and size are computed the way memcached 1.6.18 would for the same item (its item header, CAS, key, value
/// and CRLF, placed in the default -n 48 -f 1.25 slab classes) so tools that read them see the same numbers.
/// </summary>
internal sealed partial class MetaCommandProcessor
{
    /// <summary>sizeof(item) in memcached 1.6 on 64-bit, plus the 8-byte CAS.</summary>
    private const int MemcachedItemHeader = 48 + 8;

    private int[]? _slabClassSizes;

    private void ExecuteDebug(in TextTokens tokens, IBufferWriter<byte> output)
    {
        if (!context.Options.DumpEnabled)
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
        var size = MemcachedItemHeader + key.Length + 1 + metadata.ValueLength + 2;
        MetaResponseWriter.Write(output, "ME "u8);
        MetaResponseWriter.Write(output, key);
        WriteField(output, " exp="u8, metadata.RemainingTtl);
        WriteField(output, " la="u8, metadata.SecondsSinceLastAccess);
        WriteField(output, " cas="u8, (long)metadata.Cas);
        MetaResponseWriter.Write(output, metadata.FetchedBefore ? " fetch=yes"u8 : " fetch=no"u8);
        WriteField(output, " cls="u8, SlabClassOf(size));
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

    /// <summary>memcached's slabs_clsid for its default slab classes (first class whose chunk holds the item).</summary>
    private int SlabClassOf(int size)
    {
        var sizes = _slabClassSizes ??= BuildSlabClasses(context.Options.SlabChunkMax);
        for (var i = 0; i < sizes.Length; i++)
        {
            if (size <= sizes[i])
            {
                return i + 1;
            }
        }

        return sizes.Length;
    }

    /// <summary>memcached's slabs_init with -n 48 and -f 1.25: 96 bytes, growing by 1.25 (8-aligned) up to the chunk maximum.</summary>
    private static int[] BuildSlabClasses(int slabChunkMax)
    {
        var sizes = new List<int>();
        double size = 96;
        while (sizes.Count < 62 && size <= slabChunkMax / 1.25)
        {
            var aligned = (int)size;
            if (aligned % 8 != 0)
            {
                aligned += 8 - (aligned % 8);
            }

            sizes.Add(aligned);
            size = aligned * 1.25;
        }

        sizes.Add(slabChunkMax);
        return [.. sizes];
    }

    /// <summary>Keeps the metadata of a hit (me reads no value).</summary>
    private struct MetadataSink : IItemSink
    {
        public ItemMetadata Metadata { get; private set; }

        public void OnItem(in ItemMetadata metadata, ReadOnlySpan<byte> value) => Metadata = metadata;
    }
}
