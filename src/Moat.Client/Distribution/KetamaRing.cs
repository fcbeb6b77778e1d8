using System.Security.Cryptography;
using System.Text;

// MD5 here is ketama's placement function shared with libmemcached/twemproxy/spymemcached, not a security measure.
#pragma warning disable CA5351

namespace Moat.Client.Distribution;

/// <summary>
/// MD5 ketama continuum as libmemcached (KETAMA_WEIGHTED), twemproxy (md5) and spymemcached build it:
/// per server <c>floor(w/Σw · 40 · n + 1e-10)</c> digests of <c>NAME-i</c>, four little-endian points per digest;
/// a key goes to the first point ≥ MD5(key)[0..3], wrapping to the first point.
/// </summary>
internal sealed class KetamaRing
{
    private const int PointsPerServer = 160;
    private const int PointsPerDigest = 4;

    private readonly uint[] _points;
    private readonly int[] _owners;

    /// <param name="names">Ring name of each server (already chosen for the flavour).</param>
    /// <param name="weights">Weight of each server.</param>
    /// <param name="serverIndexes">Index each ring entry reports (lets a ring over live servers report original indexes).</param>
    public KetamaRing(IReadOnlyList<string> names, IReadOnlyList<int> weights, IReadOnlyList<int> serverIndexes)
    {
        var count = names.Count;
        long totalWeight = 0;
        for (var i = 0; i < count; i++)
        {
            totalWeight += weights[i];
        }

        var points = new List<(uint Point, int Owner)>(count * PointsPerServer);
        Span<byte> digest = stackalloc byte[16];
        for (var s = 0; s < count; s++)
        {
            // The 32-bit float arithmetic and the 1e-10 are libmemcached's (hosts.cc) and twemproxy's (nc_ketama.c).
            var share = weights[s] / (float)totalWeight;
            var scaled = share * PointsPerServer / PointsPerDigest * count;
            var digests = (int)Math.Floor(scaled + 0.0000000001);
            for (var i = 0; i < digests; i++)
            {
                var label = names[s] + "-" + i.ToString(System.Globalization.CultureInfo.InvariantCulture);
                MD5.HashData(Encoding.UTF8.GetBytes(label), digest);
                for (var p = 0; p < PointsPerDigest; p++)
                {
                    points.Add((ReadPoint(digest, p * 4), serverIndexes[s]));
                }
            }
        }

        // Stable order on equal points (≈3·10⁻⁵ per ring): libmemcached keeps both, so do we; lower server wins.
        points.Sort(static (a, b) => a.Point != b.Point ? a.Point.CompareTo(b.Point) : a.Owner.CompareTo(b.Owner));
        _points = new uint[points.Count];
        _owners = new int[points.Count];
        for (var i = 0; i < points.Count; i++)
        {
            _points[i] = points[i].Point;
            _owners[i] = points[i].Owner;
        }
    }

    public int PointCount => _points.Length;

    /// <summary>libhashkit's md5 key hash: little-endian uint32 of digest bytes 0..3.</summary>
    public static uint HashKey(ReadOnlySpan<byte> key)
    {
        Span<byte> digest = stackalloc byte[16];
        MD5.HashData(key, digest);
        return ReadPoint(digest, 0);
    }

    public int Locate(uint hash)
    {
        if (_points.Length == 0)
        {
            throw new InvalidOperationException("The ring has no points.");
        }

        var index = Array.BinarySearch(_points, hash);
        if (index < 0)
        {
            index = ~index;
        }
        else
        {
            // Several equal points: take the first, like libmemcached's "first point >= hash".
            while (index > 0 && _points[index - 1] == hash)
            {
                index--;
            }
        }

        return index == _points.Length ? _owners[0] : _owners[index];
    }

    private static uint ReadPoint(ReadOnlySpan<byte> digest, int offset) =>
        System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(digest.Slice(offset, 4));
}
