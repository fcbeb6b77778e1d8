namespace Moat.Storage.Index;

/// <summary>
/// Where a key may live in the index: its two candidate buckets, their lock stripes and its tag, as computed for
/// one layout of the growing index (<see cref="Layout"/>); <see cref="Hash"/> lets the index recompute them.
/// </summary>
internal readonly struct IndexPosition
{
    public IndexPosition(int bucket1, int bucket2, int stripe1, int stripe2, ulong tagBits, ulong hash, long layout)
    {
        Bucket1 = bucket1;
        Bucket2 = bucket2;
        Stripe1 = stripe1;
        Stripe2 = stripe2;
        TagBits = tagBits;
        Hash = hash;
        Layout = layout;
    }

    public int Bucket1 { get; }

    public int Bucket2 { get; }

    /// <summary>The lower of the two stripes (locks are always taken in ascending stripe order).</summary>
    public int Stripe1 { get; }

    /// <summary>The higher of the two stripes; equal to <see cref="Stripe1"/> when both buckets share a stripe.</summary>
    public int Stripe2 { get; }

    /// <summary>The key's tag already shifted into slot position.</summary>
    public ulong TagBits { get; }

    /// <summary>The key's seeded 64-bit hash.</summary>
    public ulong Hash { get; }

    /// <summary>The index layout (size and growth cursor) the buckets were computed for.</summary>
    public long Layout { get; }

    public bool SameBuckets(in IndexPosition other) => Bucket1 == other.Bucket1 && Bucket2 == other.Bucket2;
}
