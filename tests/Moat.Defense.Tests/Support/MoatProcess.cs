using System.Diagnostics;

namespace Moat.Defense.Tests.Support;

/// <summary>The built <c>moat</c> server (moat.dll beside the tests) with UDP on, on a free loopback port.</summary>
internal sealed class MoatProcess : ServerProcess
{
    public MoatProcess(string extraArguments)
        : this(FreePort.Both(), extraArguments)
    {
    }

    private MoatProcess(int port, string extraArguments)
        : base(new ProcessStartInfo("dotnet", $"{Dll} -l 127.0.0.1 -p {port} -U {port} {extraArguments}"), port, "127.0.0.1")
    {
    }

    /// <summary>The executable's assembly, copied next to the tests by the project reference to Moat.Cli.</summary>
    public static string Dll { get; } = Path.Combine(AppContext.BaseDirectory, "moat.dll");
}
