using System.Net;
using Microsoft.Extensions.Hosting;
using Moat.Server.Configuration;
using Moat.Server.Hosting;

namespace Moat.Server.Tests.Infrastructure;

/// <summary>An in-process Moat server on 127.0.0.1 and a free port, stopped on dispose.</summary>
public sealed class MoatServerFixture : IDisposable
{
    private readonly IHost _host;

    public MoatServerFixture()
        : this(_ => { })
    {
    }

    internal MoatServerFixture(Action<MoatServerOptions> configure)
    {
        var options = new MoatServerOptions { TcpPort = 0 };
        options.ListenAddresses.Add(IPAddress.Loopback);
        configure(options);
        Options = options;
        _host = MoatServerHost.Build(options);
        _host.StartAsync().GetAwaiter().GetResult();
        Port = _host.Context().BoundTcpPort;
    }

    /// <summary>The options the server runs with.</summary>
    public MoatServerOptions Options { get; }

    /// <summary>The running server's shared state (counters, security log, reload).</summary>
    internal MoatServerContext Context => _host.Context();

    /// <summary>The bound port.</summary>
    public int Port { get; }

    /// <summary>Whether the host has been asked to stop (by the shutdown command).</summary>
    internal bool StopRequested => _host.Services.GetService(typeof(IHostApplicationLifetime)) is IHostApplicationLifetime l && l.ApplicationStopping.IsCancellationRequested;

    /// <summary>This server's meter.</summary>
    internal System.Diagnostics.Metrics.Meter Meter => ((Moat.Server.Reporting.MoatMetrics)_host.Services.GetService(typeof(Moat.Server.Reporting.MoatMetrics))!).Meter;

    public void Dispose()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        _host.StopAsync(timeout.Token).GetAwaiter().GetResult();
        _host.Dispose();
    }
}
