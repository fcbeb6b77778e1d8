using System.Globalization;

namespace Moat.Defense.Audit;

/// <summary>A memcached version number as compared by the audit's version rules.</summary>
internal readonly record struct MemcachedVersion(int Major, int Minor, int Patch) : IComparable<MemcachedVersion>
{
    /// <summary>Parses the leading <c>a.b.c</c> of strings like <c>1.6.18</c> or <c>1.4.25-ubuntu</c>.</summary>
    public static bool TryParse(string? text, out MemcachedVersion version)
    {
        version = default;
        if (string.IsNullOrEmpty(text))
        {
            return false;
        }

        var parts = new int[3];
        var index = 0;
        var position = 0;
        while (index < 3)
        {
            var start = position;
            while (position < text.Length && char.IsAsciiDigit(text[position]))
            {
                position++;
            }

            if (position == start || position - start > 6)
            {
                return false;
            }

            parts[index++] = int.Parse(text.AsSpan(start, position - start), CultureInfo.InvariantCulture);
            if (index < 3)
            {
                if (position >= text.Length || text[position] != '.')
                {
                    return false;
                }

                position++;
            }
        }

        version = new MemcachedVersion(parts[0], parts[1], parts[2]);
        return true;
    }

    public int CompareTo(MemcachedVersion other)
    {
        var major = Major.CompareTo(other.Major);
        if (major != 0)
        {
            return major;
        }

        var minor = Minor.CompareTo(other.Minor);
        return minor != 0 ? minor : Patch.CompareTo(other.Patch);
    }

    public static bool operator <(MemcachedVersion left, MemcachedVersion right) => left.CompareTo(right) < 0;

    public static bool operator >(MemcachedVersion left, MemcachedVersion right) => left.CompareTo(right) > 0;

    public static bool operator <=(MemcachedVersion left, MemcachedVersion right) => left.CompareTo(right) <= 0;

    public static bool operator >=(MemcachedVersion left, MemcachedVersion right) => left.CompareTo(right) >= 0;

    public override string ToString() => $"{Major}.{Minor}.{Patch}";
}
