using BenchmarkDotNet.Running;

namespace Moat.Benchmarks;

internal static class Program
{
    public static int Main(string[] args)
    {
        if (args.Length > 0 && args[0] == Storage.StorageMemoryEfficiency.Command)
        {
            return Storage.StorageMemoryEfficiency.Run(args);
        }

        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
        return 0;
    }
}
