using System.Buffers.Binary;

namespace Moat.Defense.Flows.Nfcapd;

/// <summary>
/// Decompressor for the LZ4 block format (lz4's doc/lz4_Block_format.md), as nfcapd -y writes its blocks.
/// Every length and offset is checked against both buffers: damaged input gives -1, never an exception.
/// </summary>
internal static class Lz4Block
{
    private const int MinimumMatch = 4;

    /// <summary>Decompresses <paramref name="input"/> into <paramref name="output"/>; the bytes written, or -1 if damaged.</summary>
    public static int Decompress(ReadOnlySpan<byte> input, Span<byte> output)
    {
        var read = 0;
        var written = 0;
        while (read < input.Length)
        {
            var token = input[read++];
            var literals = token >> 4;
            if (literals == 15 && !TryExtend(input, ref read, ref literals))
            {
                return -1;
            }

            if (literals > input.Length - read || literals > output.Length - written)
            {
                return -1;
            }

            input.Slice(read, literals).CopyTo(output[written..]);
            read += literals;
            written += literals;
            if (read == input.Length)
            {
                // The last sequence holds literals only.
                return written;
            }

            if (input.Length - read < 2)
            {
                return -1;
            }

            int offset = BinaryPrimitives.ReadUInt16LittleEndian(input[read..]);
            read += 2;
            var match = token & 0x0F;
            if (match == 15 && !TryExtend(input, ref read, ref match))
            {
                return -1;
            }

            match += MinimumMatch;
            if (offset == 0 || offset > written || match > output.Length - written)
            {
                return -1;
            }

            // Byte by byte: a match may overlap the bytes it is producing (offset < length repeats a pattern).
            var from = written - offset;
            for (var i = 0; i < match; i++)
            {
                output[written + i] = output[from + i];
            }

            written += match;
        }

        return -1;
    }

    /// <summary>Adds the 255-terminated length extension bytes; false when they run past the input or overflow.</summary>
    private static bool TryExtend(ReadOnlySpan<byte> input, ref int read, ref int length)
    {
        byte next;
        do
        {
            if (read >= input.Length || length > int.MaxValue - 255)
            {
                return false;
            }

            next = input[read++];
            length += next;
        }
        while (next == 255);
        return true;
    }
}
