using System.Buffers;
using System.Text;
using Moat.Protocol.Text;

namespace Moat.Server.Statistics;

/// <summary>
/// memcached's "stats detail": per key-prefix counts of gets, hits, sets and deletes, recorded only while switched
/// on ("stats detail on"), so it costs nothing in normal operation. Keys without the -D delimiter are not counted.
/// </summary>
internal sealed class PrefixStatistics(byte delimiter)
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, long[]> _byPrefix = new(StringComparer.Ordinal);
    private volatile bool _enabled;

    /// <summary>Whether recording is on.</summary>
    public bool Enabled
    {
        get => _enabled;
        set => _enabled = value;
    }

    /// <summary>Records a get and whether it hit.</summary>
    public void RecordGet(ReadOnlySpan<byte> key, bool hit)
    {
        Record(key, 0);
        if (hit)
        {
            Record(key, 1);
        }
    }

    /// <summary>Records a storage command.</summary>
    public void RecordSet(ReadOnlySpan<byte> key) => Record(key, 2);

    /// <summary>Records a delete.</summary>
    public void RecordDelete(ReadOnlySpan<byte> key) => Record(key, 3);

    /// <summary>Writes "PREFIX name get N hit N set N del N" lines and END, as memcached's stats detail dump.</summary>
    public void Dump(IBufferWriter<byte> output)
    {
        var text = new StringBuilder();
        lock (_lock)
        {
            foreach (var (prefix, counts) in _byPrefix)
            {
                text.Append("PREFIX ").Append(prefix)
                    .Append(" get ").Append(counts[0])
                    .Append(" hit ").Append(counts[1])
                    .Append(" set ").Append(counts[2])
                    .Append(" del ").Append(counts[3]).Append("\r\n");
            }
        }

        TextResponseWriter.Write(output, Encoding.Latin1.GetBytes(text.ToString()));
        TextResponseWriter.Write(output, TextReply.End);
    }

    private void Record(ReadOnlySpan<byte> key, int slot)
    {
        var end = key.IndexOf(delimiter);
        if (end < 0)
        {
            return;
        }

        var prefix = Encoding.Latin1.GetString(key[..end]);
        lock (_lock)
        {
            if (!_byPrefix.TryGetValue(prefix, out var counts))
            {
                counts = new long[4];
                _byPrefix.Add(prefix, counts);
            }

            counts[slot]++;
        }
    }
}
