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
                case "audit": return Moat.Defense.AuditCommand.Run(args[1..], Console.Out, Console.Error);
                case "detect": return Moat.Defense.DetectCommand.Run(args[1..], Console.Out, Console.Error);
                default:
                    break;
            }
        }

        // No subcommand: run the server with memcached's flags.
        return Server.ServerCommand.Run(args);
    }
}
