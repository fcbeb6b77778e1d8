namespace Moat.Cli;

internal static class Program
{
    public static async Task<int> Main(string[] args)
    {
        if (args.Length > 0)
        {
            switch (args[0])
            {
                // Subcommands: one case each, added by the part that implements it.
                case "bench": return await BenchCommand.RunAsync(args[1..]).ConfigureAwait(false);
                case "audit": return await Moat.Defense.AuditCommand.RunAsync(args[1..], Console.Out, Console.Error).ConfigureAwait(false);
                case "detect": return Moat.Defense.DetectCommand.Run(args[1..], Console.Out, Console.Error);
                default:
                    break;
            }
        }

        // No subcommand: run the server with memcached's flags.
        return await Server.ServerCommand.RunAsync(args).ConfigureAwait(false);
    }
}
