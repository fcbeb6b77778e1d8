namespace Moat.Tests.Kit;

/// <summary>
/// The moat server of this build as a child process: <c>dotnet moat.dll -p {port} -U {udp} -l ADDRESS ARGUMENTS</c>,
/// started and ready when constructed. Tests that need the server's internals run it in-process instead
/// (Moat.Server.Tests' <c>MoatServerFixture</c>, over <c>MoatServerHost</c>).
/// With MOAT_TEST_EXE set to a moat executable (the Native AOT build, artifacts/aot/moat), every process started
/// here runs that executable instead: scripts/test runs the interop tests once more that way.
/// </summary>
public sealed class MoatServer : ServerProcess
{
    private static readonly Lazy<string> HelpText = new(() => File.Exists(Executable ?? Dll) ? Run("--help").StandardOutput : string.Empty);

    /// <summary>moat on 127.0.0.1 and a free port, UDP off, plus <paramref name="arguments"/>.</summary>
    public MoatServer(params string[] arguments)
        : this(arguments, null)
    {
    }

    public MoatServer(IEnumerable<string> arguments, ServerOptions? options)
        : base("moat", Program, [.. ProgramArguments, "-p", "{port}", "-U", "{udp}", "-l", (options ?? new ServerOptions()).Address, .. arguments], options)
    {
        Start();
    }

    /// <summary>
    /// The executable's assembly: moat.dll copied beside the tests by a project reference to Moat.Cli, else
    /// src/Moat.Cli's build output (this configuration, then Release, then Debug).
    /// </summary>
    public static string Dll { get; } = FindDll();

    /// <summary>MOAT_TEST_EXE (a path to a moat executable, relative to the repository root unless absolute), when set.</summary>
    public static string? Executable { get; } =
        Environment.GetEnvironmentVariable("MOAT_TEST_EXE") is { Length: > 0 } path
            ? Path.GetFullPath(path, Tools.RepositoryRoot ?? Environment.CurrentDirectory)
            : null;

    /// <summary>What is started: the executable of MOAT_TEST_EXE, else dotnet.</summary>
    private static string Program => Executable ?? "dotnet";

    /// <summary>What comes before moat's own arguments: nothing for an executable, moat.dll for dotnet.</summary>
    private static string[] ProgramArguments => Executable is null ? [Dll] : [];

    /// <summary>What <c>moat --help</c> prints (empty when moat is not built).</summary>
    public static string Help() => HelpText.Value;

    /// <summary>Runs moat to its exit (flags that stop it at start, subcommands); at most 30 s.</summary>
    public static ProcessResult Run(params string[] arguments) => Run(arguments, TimeSpan.FromSeconds(30));

    public static ProcessResult Run(IEnumerable<string> arguments, TimeSpan timeout) =>
        ProcessRunner.Run(Program, [.. ProgramArguments, .. arguments], timeout);

    private static string FindDll()
    {
        var here = Path.Combine(AppContext.BaseDirectory, "moat.dll");
        if (File.Exists(here) && File.Exists(Path.Combine(AppContext.BaseDirectory, "moat.runtimeconfig.json")))
        {
            return here;
        }

        if (Tools.RepositoryRoot is { } root)
        {
            var configuration = new DirectoryInfo(AppContext.BaseDirectory).Parent?.Name ?? "Release";
            foreach (var candidate in new[] { configuration, "Release", "Debug" }.Distinct())
            {
                var built = Path.Combine(root, "src", "Moat.Cli", "bin", candidate, "net10.0", "moat.dll");
                if (File.Exists(built))
                {
                    return built;
                }
            }
        }

        return here;
    }
}
