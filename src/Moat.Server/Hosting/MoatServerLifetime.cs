using System.Globalization;
using System.Runtime.InteropServices;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Hosting;
using Moat.Server.Reporting;

namespace Moat.Server.Hosting;

/// <summary>
/// Ties the server to its host: learns the bound port once Kestrel listens, writes (or warns as memcached does) and removes the -P pid file,
/// turns the "shutdown" command into a host stop, and keeps the metrics alive for the host's lifetime.
/// </summary>
internal sealed class MoatServerLifetime(
    MoatServerContext context,
    MoatMetrics metrics,
    IServer server,
    IHostApplicationLifetime lifetime) : IHostedService, IDisposable
{
    private PosixSignalRegistration? _hangup;

    /// <summary>Whether this process wrote the -P file (only then is it removed at exit).</summary>
    private bool _pidFileWritten;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _ = metrics;
        if (!OperatingSystem.IsWindows())
        {
            // SIGHUP reloads (auth file, certificates, log file) as memcached and most daemons do; it never stops the server.
            _hangup = PosixSignalRegistration.Create(PosixSignal.SIGHUP, signal =>
            {
                signal.Cancel = true;
                context.RequestReload();
            });
        }

        context.Auth?.ReportStartupWarnings();
        context.ShutdownRequested = _ => lifetime.StopApplication();
        lifetime.ApplicationStarted.Register(OnStarted);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        var pidFile = context.Options.PidFile;
        if (pidFile is not null && _pidFileWritten)
        {
            try
            {
                File.Delete(pidFile);
            }
            catch (Exception error) when (error is IOException or UnauthorizedAccessException)
            {
                // Leaving a stale pid file is harmless; failing the stop is not.
            }
        }

        return Task.CompletedTask;
    }

    public void Dispose() => _hangup?.Dispose();

    private void OnStarted()
    {
        var addresses = server.Features.Get<IServerAddressesFeature>()?.Addresses;
        var first = addresses?.FirstOrDefault();
        if (first is not null)
        {
            var colon = first.LastIndexOf(':');
            if (int.TryParse(first.AsSpan(colon + 1).TrimEnd('/'), NumberStyles.None, CultureInfo.InvariantCulture, out var port))
            {
                context.BoundTcpPort = port;
            }
        }
        else
        {
            context.BoundTcpPort = context.Options.TcpPort;
        }

        if (context.Options.PidFile is { } pidFile)
        {
            _pidFileWritten = PidFile.Write(pidFile, Console.Error);
        }
    }
}
