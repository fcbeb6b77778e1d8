namespace Moat.Cli;

internal static class Program
{
    public static int Main(string[] args)
    {
        if (args.Length > 0)
        {
            switch (args[0])
            {
                // Subcommands: one case each, added by the part that implements it.
                case "bench": return BenchCommand.Run(args[1..]);
                default:
                    break;
            }
        }

        // No subcommand: run the server with memcached's flags (the server part replaces this line).
        return 64;
    }
}
