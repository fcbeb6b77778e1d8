using System.Runtime.CompilerServices;

namespace Moat.Storage.Items;

/// <summary>
/// The compact item layout: flags (1 byte) | key length (1) | value length (LEB128, 1-4 bytes) | [expiry u32]
/// | [client flags u32] | [explicit CAS u64] | key | value. Optional fields are present only when their flag bit
/// is set, so a typical item (no expiry, zero flags, derived CAS, value under 128 bytes) costs 3 bytes of header.
/// No "\r\n" is stored.
/// </summary>
internal static unsafe class ItemCodec
{
    public const int MaxKeyLength = 250; // memcached's KEY_MAX_LENGTH (Moat.Protocol.Memcached); Storage depends on nothing

    /// <summary>Largest value length the 4-byte length encoding can express.</summary>
    public const int MaxValueLength = (1 << 28) - 1;

    public static byte LayoutFlags(byte stateFlags, uint expiry, uint clientFlags, bool explicitCas)
    {
        var flags = (byte)(stateFlags & ItemFlags.StateMask);
        if (expiry != 0)
        {
            flags |= ItemFlags.HasExpiry;
        }

        if (clientFlags != 0)
        {
            flags |= ItemFlags.HasClientFlags;
        }

        if (explicitCas)
        {
            flags |= ItemFlags.HasCas;
        }

        return flags;
    }

    public static int HeaderLength(byte flags, int valueLength)
    {
        var length = 2 + VarintLength(valueLength);
        if ((flags & ItemFlags.HasExpiry) != 0)
        {
            length += 4;
        }

        if ((flags & ItemFlags.HasClientFlags) != 0)
        {
            length += 4;
        }

        if ((flags & ItemFlags.HasCas) != 0)
        {
            length += 8;
        }

        return length;
    }

    public static int TotalLength(byte flags, int keyLength, int valueLength) => HeaderLength(flags, valueLength) + keyLength + valueLength;

    /// <summary>Writes the header and the key; returns the header length. The value goes right after the key.</summary>
    public static int WriteHeaderAndKey(byte* destination, byte flags, ReadOnlySpan<byte> key, int valueLength, uint expiry, uint clientFlags, ulong explicitCas)
    {
        destination[0] = flags;
        destination[1] = (byte)key.Length;
        var position = 2;
        var remaining = (uint)valueLength;
        while (remaining >= 0x80)
        {
            destination[position++] = (byte)(remaining | 0x80);
            remaining >>= 7;
        }

        destination[position++] = (byte)remaining;
        if ((flags & ItemFlags.HasExpiry) != 0)
        {
            Unsafe.WriteUnaligned(destination + position, expiry);
            position += 4;
        }

        if ((flags & ItemFlags.HasClientFlags) != 0)
        {
            Unsafe.WriteUnaligned(destination + position, clientFlags);
            position += 4;
        }

        if ((flags & ItemFlags.HasCas) != 0)
        {
            Unsafe.WriteUnaligned(destination + position, explicitCas);
            position += 8;
        }

        key.CopyTo(new Span<byte>(destination + position, key.Length));
        return position;
    }

    /// <summary>
    /// Decodes the item at <paramref name="start"/>, never reading past <paramref name="available"/> bytes. Optimistic
    /// readers may look at memory being rewritten, so every length is checked before it is trusted.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool TryParse(byte* start, int available, out ItemView item)
    {
        item = default;
        if (available < 3)
        {
            return false;
        }

        var flags = start[0];
        if ((flags & ~ItemFlags.ValidMask) != 0)
        {
            return false;
        }

        int keyLength = start[1];
        if (keyLength == 0 || keyLength > MaxKeyLength)
        {
            return false;
        }

        var position = 2;
        var valueLength = 0;
        var shift = 0;
        while (true)
        {
            if (position >= available || shift > 21)
            {
                return false;
            }

            var b = start[position++];
            valueLength |= (b & 0x7F) << shift;
            if ((b & 0x80) == 0)
            {
                break;
            }

            shift += 7;
        }

        uint expiry = 0;
        uint clientFlags = 0;
        ulong cas = 0;
        var fixedLength = ((flags & ItemFlags.HasExpiry) != 0 ? 4 : 0) + ((flags & ItemFlags.HasClientFlags) != 0 ? 4 : 0)
            + ((flags & ItemFlags.HasCas) != 0 ? 8 : 0);
        if ((long)position + fixedLength + keyLength + valueLength > available)
        {
            return false;
        }

        if ((flags & ItemFlags.HasExpiry) != 0)
        {
            expiry = Unsafe.ReadUnaligned<uint>(start + position);
            position += 4;
        }

        if ((flags & ItemFlags.HasClientFlags) != 0)
        {
            clientFlags = Unsafe.ReadUnaligned<uint>(start + position);
            position += 4;
        }

        if ((flags & ItemFlags.HasCas) != 0)
        {
            cas = Unsafe.ReadUnaligned<ulong>(start + position);
            position += 8;
        }

        item = new ItemView(start, flags, position, keyLength, valueLength, expiry, clientFlags, cas);
        return true;
    }

    /// <summary>Where an item's expiry field lives (only meaningful when it has <see cref="ItemFlags.HasExpiry"/>).</summary>
    public static byte* ExpiryField(in ItemView item) => item.Start + 2 + VarintLength(item.ValueLength);

    private static int VarintLength(int value) => value switch
    {
        < 1 << 7 => 1,
        < 1 << 14 => 2,
        < 1 << 21 => 3,
        _ => 4,
    };
}
