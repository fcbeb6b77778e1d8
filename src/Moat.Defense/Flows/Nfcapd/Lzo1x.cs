namespace Moat.Defense.Flows.Nfcapd;

/// <summary>
/// Decompressor for LZO1X streams (nfcapd -z; nfdump's default compression before 1.7), written from the
/// prose description "LZO stream format as understood by Linux's LZO decompressor" (kernel documentation,
/// staging/lzo). Every copy is bounds-checked: damaged input gives -1, never an exception.
/// </summary>
internal static class Lzo1x
{
    /// <summary>Decompresses <paramref name="input"/> into <paramref name="output"/>; the bytes written, or -1 if damaged.</summary>
    public static int Decompress(ReadOnlySpan<byte> input, Span<byte> output)
    {
        var reader = new Cursor(input, output);
        if (input.Length == 0)
        {
            return -1;
        }

        // state: how many literals the previous instruction copied (0, 1-3, or 4 meaning "4 or more").
        int state;
        var first = input[0];
        if (first >= 22)
        {
            reader.Read = 1;
            if (!reader.CopyLiterals(first - 17))
            {
                return -1;
            }

            state = 4;
        }
        else if (first >= 18)
        {
            reader.Read = 1;
            state = first - 17;
            if (!reader.CopyLiterals(state))
            {
                return -1;
            }
        }
        else
        {
            state = 0;
        }

        while (reader.Read < input.Length)
        {
            var instruction = input[reader.Read++];
            int length;
            int distance;
            int trailing;
            if (instruction < 16)
            {
                if (state == 0)
                {
                    // 0000LLLL: a literal run of 4 or more.
                    length = instruction & 0x0F;
                    if (length == 0 && !reader.TryZeroExtended(15, out length))
                    {
                        return -1;
                    }

                    if (!reader.CopyLiterals(length + 3))
                    {
                        return -1;
                    }

                    state = 4;
                    continue;
                }

                if (!reader.TryByte(out var high))
                {
                    return -1;
                }

                trailing = instruction & 3;
                var low = (instruction >> 2) & 3;
                (length, distance) = state < 4
                    ? (2, (high << 2) + low + 1)
                    : (3, (high << 2) + low + 2049);
            }
            else if (instruction < 32)
            {
                // 0001HLLL + LE16: 16-48 kB away; distance 16384 ends the stream.
                length = instruction & 7;
                if (length == 0 && !reader.TryZeroExtended(7, out length))
                {
                    return -1;
                }

                length += 2;
                if (!reader.TryLe16(out var operand))
                {
                    return -1;
                }

                trailing = operand & 3;
                distance = 16384 + ((instruction & 8) << 11) + (operand >> 2);
                if (distance == 16384)
                {
                    return reader.Read == input.Length ? reader.Written : -1;
                }
            }
            else if (instruction < 64)
            {
                // 001LLLLL + LE16: within 16 kB.
                length = instruction & 31;
                if (length == 0 && !reader.TryZeroExtended(31, out length))
                {
                    return -1;
                }

                length += 2;
                if (!reader.TryLe16(out var operand))
                {
                    return -1;
                }

                trailing = operand & 3;
                distance = (operand >> 2) + 1;
            }
            else
            {
                // 01LDDDSS (3-4 bytes) or 1LLDDDSS (5-8 bytes), one more byte of distance, within 2 kB.
                if (!reader.TryByte(out var high))
                {
                    return -1;
                }

                length = instruction < 128 ? 3 + ((instruction >> 5) & 1) : 5 + ((instruction >> 5) & 3);
                distance = (high << 3) + ((instruction >> 2) & 7) + 1;
                trailing = instruction & 3;
            }

            if (!reader.CopyMatch(distance, length) || !reader.CopyLiterals(trailing))
            {
                return -1;
            }

            state = trailing;
        }

        // Ran out of input without the end-of-stream marker.
        return -1;
    }

    private ref struct Cursor
    {
        private readonly ReadOnlySpan<byte> _input;
        private readonly Span<byte> _output;

        public Cursor(ReadOnlySpan<byte> input, Span<byte> output)
        {
            _input = input;
            _output = output;
        }

        public int Read { get; set; }

        public int Written { get; private set; }

        public bool TryByte(out int value)
        {
            value = 0;
            if (Read >= _input.Length)
            {
                return false;
            }

            value = _input[Read++];
            return true;
        }

        public bool TryLe16(out int value)
        {
            value = 0;
            if (_input.Length - Read < 2)
            {
                return false;
            }

            value = _input[Read] | (_input[Read + 1] << 8);
            Read += 2;
            return true;
        }

        /// <summary>A length field of 0: <paramref name="bits"/> + 255 per zero byte + the first non-zero byte.</summary>
        public bool TryZeroExtended(int bits, out int length)
        {
            length = bits;
            while (true)
            {
                if (Read >= _input.Length || length > int.MaxValue - 255)
                {
                    return false;
                }

                var next = _input[Read++];
                if (next != 0)
                {
                    length += next;
                    return true;
                }

                length += 255;
            }
        }

        public bool CopyLiterals(int count)
        {
            if (count > _input.Length - Read || count > _output.Length - Written)
            {
                return false;
            }

            _input.Slice(Read, count).CopyTo(_output[Written..]);
            Read += count;
            Written += count;
            return true;
        }

        public bool CopyMatch(int distance, int length)
        {
            if (distance > Written || length > _output.Length - Written)
            {
                return false;
            }

            // Byte by byte: the source may overlap what is being written (a repeated pattern).
            var from = Written - distance;
            for (var i = 0; i < length; i++)
            {
                _output[Written + i] = _output[from + i];
            }

            Written += length;
            return true;
        }
    }
}
