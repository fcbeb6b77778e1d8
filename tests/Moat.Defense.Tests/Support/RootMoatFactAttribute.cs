using System.Diagnostics;

namespace Moat.Defense.Tests.Support;

/// <summary>
/// A root fact (see <see cref="RootFactAttribute"/>) that also needs the built moat server to offer
/// <c>flag</c> in its --help: SKIPPED with the reason while the server does not support it yet.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
internal sealed class RootMoatFactAttribute : FactAttribute
{
    public RootMoatFactAttribute(string flag, params string[] tools)
    {
        Skip = new RootFactAttribute(tools).Skip;
        if (Skip is null && !MoatHelp().Contains(flag, StringComparison.Ordinal))
        {
            Skip = $"the moat server does not support {flag} yet";
        }
    }

    private static string MoatHelp()
    {
        using var process = Process.Start(new ProcessStartInfo("dotnet", $"{MoatProcess.Dll} --help")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        var help = process.StandardOutput.ReadToEndAsync();
        process.StandardError.ReadToEnd();
        return process.WaitForExit(30_000) ? help.Result : string.Empty;
    }
}
