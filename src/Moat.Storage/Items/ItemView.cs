namespace Moat.Storage.Items;

/// <summary>A decoded item header pointing into segment memory. Valid only while the item cannot be reclaimed.</summary>
internal readonly unsafe struct ItemView
{
    public ItemView(byte* start, byte flags, int headerLength, int keyLength, int valueLength, uint expiry, uint clientFlags, ulong explicitCas)
    {
        Start = start;
        Flags = flags;
        HeaderLength = headerLength;
        KeyLength = keyLength;
        ValueLength = valueLength;
        Expiry = expiry;
        ClientFlags = clientFlags;
        ExplicitCas = explicitCas;
    }

    public byte* Start { get; }

    public byte Flags { get; }

    public int HeaderLength { get; }

    public int KeyLength { get; }

    public int ValueLength { get; }

    /// <summary>Store-clock expiry (seconds since start + 1); 0 = never.</summary>
    public uint Expiry { get; }

    public uint ClientFlags { get; }

    public ulong ExplicitCas { get; }

    public int TotalLength => HeaderLength + KeyLength + ValueLength;

    public byte* ValuePointer => Start + HeaderLength + KeyLength;

    public ReadOnlySpan<byte> Key => new(Start + HeaderLength, KeyLength);

    public ReadOnlySpan<byte> Value => new(Start + HeaderLength + KeyLength, ValueLength);

    public bool IsStale => (Flags & ItemFlags.Stale) != 0;

    public bool IsTokenSent => (Flags & ItemFlags.TokenSent) != 0;

    public bool HasExplicitCas => (Flags & ItemFlags.HasCas) != 0;

    /// <summary>A move must keep this item's CAS: chosen explicitly, or derived and already sent to a client.</summary>
    public bool CasIsKnown => (Flags & (ItemFlags.HasCas | ItemFlags.CasRevealed)) != 0;
}
