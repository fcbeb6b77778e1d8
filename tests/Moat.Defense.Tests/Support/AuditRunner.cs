using System.Net;

namespace Moat.Defense.Tests.Support;

/// <summary>Runs <c>moat audit</c> in-process with a recording network.</summary>
internal static class AuditRunner
{
    public static (int Exit, string Stdout, string Stderr, RecordingNetwork Network) Run(params string[] args)
    {
        var network = new RecordingNetwork();
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var exit = AuditCommand.RunAsync(args, stdout, stderr, network, TimeProvider.System, host => host == "localhost" ? [IPAddress.Loopback] : throw new System.Net.Sockets.SocketException(11001)).GetAwaiter().GetResult();
        return (exit, stdout.ToString(), stderr.ToString(), network);
    }
}
