namespace Moat.Server.Tests.Infrastructure;

/// <summary>
/// The mutation loop the protocol fuzzers share: one to four corpus requests back to back, then one to three
/// mutations, each a bit flip, a random byte, a truncation or a splice of another corpus request, or one of the
/// protocol's own mutations (each of those two as likely as any shared one).
/// </summary>
internal static class FuzzMutations
{
    /// <summary>A mutation only the protocol knows; it may return <paramref name="bytes"/> unchanged.</summary>
    public delegate byte[] ProtocolMutation(byte[] bytes, Random random);

    public static byte[] Mutate(Random random, byte[][] corpus, ProtocolMutation first, ProtocolMutation second)
    {
        var bytes = Array.Empty<byte>();
        for (var i = random.Next(1, 5); i > 0; i--)
        {
            bytes = [.. bytes, .. corpus[random.Next(corpus.Length)]];
        }

        for (var m = random.Next(1, 4); m > 0; m--)
        {
            switch (random.Next(6))
            {
                case 0:
                    bytes[random.Next(bytes.Length)] ^= (byte)(1 << random.Next(8));
                    break;
                case 1:
                    bytes[random.Next(bytes.Length)] = (byte)random.Next(256);
                    break;
                case 2:
                    bytes = bytes[..random.Next(1, bytes.Length + 1)];
                    break;
                case 3:
                    bytes = first(bytes, random);
                    break;
                case 4:
                    bytes = second(bytes, random);
                    break;
                default:
                    var cut = random.Next(bytes.Length);
                    bytes = [.. bytes[..cut], .. corpus[random.Next(corpus.Length)], .. bytes[cut..]];
                    break;
            }
        }

        return bytes;
    }
}
