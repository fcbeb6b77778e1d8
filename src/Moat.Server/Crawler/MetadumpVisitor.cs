using System.Buffers;
using System.Buffers.Text;
using Moat.Storage;

namespace Moat.Server.Crawler;

/// <summary>
/// Writes one metadump line per live item, in memcached 1.6.18's format
/// ("key=%s exp=%ld la=%llu cas=%llu fetch=%s cls=%u size=%lu\n": the lines end in a bare "\n", only END has "\r\n").
/// </summary>
internal readonly struct MetadumpVisitor(IBufferWriter<byte> output, ClassSelection classes, long[] checkedPerClass) : IItemVisitor
{
    /// <summary>The longest line: a 250-byte key fully escaped plus the numeric fields.</summary>
    private const int MaxLineLength = (250 * 3) + 160;

    public bool ReclaimsDead => false;

    public bool Wants(int slabClass) => classes.Wants(slabClass);

    public void OnLive(in WalkedItem item)
    {
        checkedPerClass[item.SlabClass]++;
        var line = output.GetSpan(MaxLineLength);
        var n = 0;
        Append(line, ref n, "key="u8);
        n += UriEncode(item.Key, line[n..]);
        Append(line, ref n, " exp="u8);
        AppendNumber(line, ref n, item.ExpiresUnixSeconds);
        Append(line, ref n, " la="u8);
        AppendNumber(line, ref n, item.LastAccessUnixSeconds);
        Append(line, ref n, " cas="u8);
        Utf8Formatter.TryFormat(item.Cas, line[n..], out var written);
        n += written;
        Append(line, ref n, item.Fetched ? " fetch=yes"u8 : " fetch=no"u8);
        Append(line, ref n, " cls="u8);
        AppendNumber(line, ref n, item.SlabClass);
        Append(line, ref n, " size="u8);
        AppendNumber(line, ref n, item.ItemSize);
        line[n++] = (byte)'\n';
        output.Advance(n);
    }

    public void OnDead(int slabClass, bool expiredUnfetched) => checkedPerClass[slabClass]++;

    /// <summary>memcached's uriencode: letters, digits and "-._~" stay, every other byte becomes %XX (upper case).</summary>
    internal static int UriEncode(ReadOnlySpan<byte> key, Span<byte> destination)
    {
        var n = 0;
        foreach (var b in key)
        {
            if (b is (>= (byte)'a' and <= (byte)'z') or (>= (byte)'A' and <= (byte)'Z') or (>= (byte)'0' and <= (byte)'9')
                or (byte)'-' or (byte)'.' or (byte)'_' or (byte)'~')
            {
                destination[n++] = b;
            }
            else
            {
                destination[n++] = (byte)'%';
                destination[n++] = "0123456789ABCDEF"u8[b >> 4];
                destination[n++] = "0123456789ABCDEF"u8[b & 0xF];
            }
        }

        return n;
    }

    private static void Append(Span<byte> line, ref int n, ReadOnlySpan<byte> text)
    {
        text.CopyTo(line[n..]);
        n += text.Length;
    }

    private static void AppendNumber(Span<byte> line, ref int n, long value)
    {
        Utf8Formatter.TryFormat(value, line[n..], out var written);
        n += written;
    }
}
