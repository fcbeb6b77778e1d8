using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.CompilerServices;

namespace Moat.Storage.Hashing;

/// <summary>
/// XXH64 (Yann Collet's xxHash, 64-bit variant), implemented here because System.IO.Hashing cannot be restored.
/// The store seeds it randomly per process so that clients cannot aim keys at one hash bucket (hash flooding).
/// Pinned by the published test vectors in the tests.
/// </summary>
internal static class XxHash64
{
    private const ulong Prime1 = 0x9E3779B185EBCA87UL;
    private const ulong Prime2 = 0xC2B2AE3D27D4EB4FUL;
    private const ulong Prime3 = 0x165667B19E3779F9UL;
    private const ulong Prime4 = 0x85EBCA77C2B2AE63UL;
    private const ulong Prime5 = 0x27D4EB2F165667C5UL;

    public static ulong Hash(ReadOnlySpan<byte> data, ulong seed)
    {
        var length = data.Length;
        ulong hash;
        var position = 0;
        if (length >= 32)
        {
            var v1 = seed + Prime1 + Prime2;
            var v2 = seed + Prime2;
            var v3 = seed;
            var v4 = seed - Prime1;
            var limit = length - 32;
            do
            {
                v1 = Round(v1, BinaryPrimitives.ReadUInt64LittleEndian(data[position..]));
                v2 = Round(v2, BinaryPrimitives.ReadUInt64LittleEndian(data[(position + 8)..]));
                v3 = Round(v3, BinaryPrimitives.ReadUInt64LittleEndian(data[(position + 16)..]));
                v4 = Round(v4, BinaryPrimitives.ReadUInt64LittleEndian(data[(position + 24)..]));
                position += 32;
            }
            while (position <= limit);

            hash = BitOperations.RotateLeft(v1, 1) + BitOperations.RotateLeft(v2, 7)
                + BitOperations.RotateLeft(v3, 12) + BitOperations.RotateLeft(v4, 18);
            hash = MergeRound(hash, v1);
            hash = MergeRound(hash, v2);
            hash = MergeRound(hash, v3);
            hash = MergeRound(hash, v4);
        }
        else
        {
            hash = seed + Prime5;
        }

        hash += (ulong)length;
        while (position + 8 <= length)
        {
            var k1 = Round(0, BinaryPrimitives.ReadUInt64LittleEndian(data[position..]));
            hash ^= k1;
            hash = (BitOperations.RotateLeft(hash, 27) * Prime1) + Prime4;
            position += 8;
        }

        if (position + 4 <= length)
        {
            hash ^= BinaryPrimitives.ReadUInt32LittleEndian(data[position..]) * Prime1;
            hash = (BitOperations.RotateLeft(hash, 23) * Prime2) + Prime3;
            position += 4;
        }

        while (position < length)
        {
            hash ^= data[position] * Prime5;
            hash = BitOperations.RotateLeft(hash, 11) * Prime1;
            position++;
        }

        hash ^= hash >> 33;
        hash *= Prime2;
        hash ^= hash >> 29;
        hash *= Prime3;
        hash ^= hash >> 32;
        return hash;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Round(ulong accumulator, ulong input)
    {
        accumulator += input * Prime2;
        accumulator = BitOperations.RotateLeft(accumulator, 31);
        return accumulator * Prime1;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong MergeRound(ulong accumulator, ulong value)
    {
        value = Round(0, value);
        accumulator ^= value;
        return (accumulator * Prime1) + Prime4;
    }
}
