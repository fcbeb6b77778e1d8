using SharpFuzz;

namespace Moat.Fuzz;

/// <summary>
/// <c>Moat.Fuzz TARGET</c> runs under afl-fuzz (SharpFuzz's persistent mode, on assemblies instrumented with the
/// sharpfuzz tool); <c>Moat.Fuzz TARGET --replay DIR|FILE...</c> runs inputs once each without afl (the corpus
/// regression test). Targets: text (text and meta commands), binary, capture (pcap, pcapng, nfcapd, gzip).
/// An input that makes a target throw is a bug: the server answers bad input with memcached's error lines, the
/// capture readers with a format error.
/// </summary>
internal static class Program
{
    public static int Main(string[] args)
    {
        if (args.Length == 0 || FuzzTargets.Find(args[0]) is not { } target)
        {
            Console.Error.WriteLine($"usage: Moat.Fuzz {string.Join('|', FuzzTargets.Names)} [--replay PATH...]");
            return 64;
        }

        if (args.Length > 1 && args[1] == "--replay")
        {
            var failures = 0;
            foreach (var file in args[2..].SelectMany(path => Directory.Exists(path) ? Directory.GetFiles(path) : [path]))
            {
                try
                {
                    target(File.ReadAllBytes(file));
                }
                catch (Exception error)
                {
                    failures++;
                    Console.Error.WriteLine($"{file}: {error}");
                }
            }

            return failures == 0 ? 0 : 1;
        }

        Fuzzer.Run(stream =>
        {
            using var bytes = new MemoryStream();
            stream.CopyTo(bytes);
            target(bytes.ToArray());
        });
        return 0;
    }
}
