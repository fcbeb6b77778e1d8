namespace Moat.Storage.Index;

/// <summary>Where a key may live in the index: its two candidate buckets, their lock stripes and its tag.</summary>
internal readonly struct IndexPosition
{
    public IndexPosition(int bucket1, int bucket2, int stripe1, int stripe2, ulong tagBits)
    {
        Bucket1 = bucket1;
        Bucket2 = bucket2;
        Stripe1 = stripe1;
        Stripe2 = stripe2;
        TagBits = tagBits;
    }

    public int Bucket1 { get; }

    public int Bucket2 { get; }

    /// <summary>The lower of the two stripes (locks are always taken in ascending stripe order).</summary>
    public int Stripe1 { get; }

    /// <summary>The higher of the two stripes; equal to <see cref="Stripe1"/> when both buckets share a stripe.</summary>
    public int Stripe2 { get; }

    /// <summary>The key's tag already shifted into slot position.</summary>
    public ulong TagBits { get; }
}
