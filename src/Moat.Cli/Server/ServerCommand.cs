using System.Net.Sockets;
using System.Runtime.InteropServices;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Moat.Server.Configuration;
using Moat.Server.Hosting;

namespace Moat.Cli.Server;

/// <summary>"moat [memcached flags]": parse the flags, then run the server until SIGTERM/SIGINT or "shutdown".</summary>
internal static class ServerCommand
{
    /// <summary>EX_OSERR: the listen socket could not be opened (port in use, address not local).</summary>
    private const int ListenFailedExitCode = 71;

    /// <summary>EX_CANTCREAT: the --security-log file cannot be opened for writing.</summary>
    private const int CannotCreateExitCode = 73;

    private const string InlineCompletionsVariable = "DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS";

    public static async Task<int> RunAsync(string[] args)
    {
        // SIGTERM/SIGINT from here on stop the server cleanly whenever they come, with exit code 0 as memcached's
        // handler gives: before the host starts (it registers its own handlers only once starting), and while it
        // starts, which cancels the start (see RunHostAsync). Registered before anything else is loaded (RunServerAsync is
        // compiled only when called, with the server's assemblies); before this the runtime's default applies, as
        // memcached's does before its main() installs its handler.
        using var stopping = new CancellationTokenSource();
        using var terminate = OperatingSystem.IsWindows() ? null : PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
        using var interrupt = OperatingSystem.IsWindows() ? null : PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
        return await RunServerAsync(args, stopping.Token).ConfigureAwait(false);

        void Stop(PosixSignalContext signal)
        {
            signal.Cancel = true;
            stopping.Cancel();
        }
    }

    private static async Task<int> RunServerAsync(string[] args, CancellationToken stopping)
    {
        var parsed = MemcachedFlagParser.Parse(args);
        if (parsed.ExitCode is { } exit)
        {
            if (parsed.Output is not null)
            {
                Console.Out.WriteLine(parsed.Output);
            }

            if (parsed.Error is not null)
            {
                Console.Error.WriteLine(parsed.Error);
            }

            return exit;
        }

        var options = parsed.Options!;

        // Run socket completions on the epoll threads (with Kestrel's inline scheduling, the whole request is
        // handled there): far fewer thread hops per request. The socket engine reads this once, before the first
        // socket exists, so it is set here unless the operator chose otherwise.
        if (Environment.GetEnvironmentVariable(InlineCompletionsVariable) is null)
        {
            Environment.SetEnvironmentVariable(InlineCompletionsVariable, "1");
        }

        if (options.LogFile is { } logFile)
        {
            Console.SetError(new StreamWriter(logFile, append: true) { AutoFlush = true });
        }

        // One line per accepted memcached option that has no effect in Moat: never silently ignored.
        foreach (var notice in options.Notices)
        {
            Console.Error.WriteLine(notice);
        }

        // Printed whatever the verbosity (the listener logs warnings only with -v): a readable key file lets anyone
        // mint UDP address-validation tokens.
        if (options.UdpPort != 0 && options.UdpTokenSecretWarning is { } secretWarning)
        {
            Console.Error.WriteLine($"WARNING: {secretWarning}");
        }

        if (Moat.Security.Events.SecurityEventLog.CheckWritable(options.EffectiveSecurityLog) is { } logError)
        {
            Console.Error.WriteLine(logError);
            return CannotCreateExitCode;
        }

        try
        {
            return await RunHostAsync(options, stopping).ConfigureAwait(false);
        }
        catch (IOException e) when (e.InnerException is SocketException || e.Message.Contains("address", StringComparison.OrdinalIgnoreCase))
        {
            Console.Error.WriteLine($"failed to listen on TCP port {options.TcpPort}: {e.Message}");
            return ListenFailedExitCode;
        }
        catch (SocketException e)
        {
            Console.Error.WriteLine($"failed to listen on TCP port {options.TcpPort}: {e.Message}");
            return ListenFailedExitCode;
        }
    }

    /// <summary>
    /// Runs the host until it stops. A stop asked for while it is still starting (a signal, which also stops the
    /// host's application lifetime) cancels the start: that is a clean exit, not an error.
    /// </summary>
    private static async Task<int> RunHostAsync(MoatServerOptions options, CancellationToken stopping)
    {
        using var host = MoatServerHost.Build(options);
        if (stopping.IsCancellationRequested)
        {
            return 0;
        }

        var lifetime = host.Services.GetRequiredService<IHostApplicationLifetime>();
        try
        {
            await host.RunAsync(stopping).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested || lifetime.ApplicationStopping.IsCancellationRequested)
        {
            // Stopped before it had started.
        }

        return 0;
    }
}
