using System.Net;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Moat.Security.Events;
using Moat.Server.Configuration;
using Moat.Server.Connections;
using Moat.Server.Reporting;
using Moat.Server.Tls;
using Moat.Storage;

namespace Moat.Server.Hosting;

/// <summary>Embeds the Moat server in any .NET host that runs Kestrel (<c>builder.WebHost.UseKestrel()</c>).</summary>
public static class MoatServiceCollectionExtensions
{
    /// <summary>
    /// Registers the store, the statistics and the memcached listeners described by <paramref name="options"/>
    /// (listen addresses, port, -c, -t, -b, -I), with the hot-path transport settings of docs/architecture.md.
    /// </summary>
    public static IServiceCollection AddMoatServer(this IServiceCollection services, MoatServerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        services.AddSingleton(options);
        services.AddSingleton(sp =>
        {
            var factory = options.StoreFactory ?? (o => new SegmentCacheStore(o));
            var context = new MoatServerContext(options, factory(options.ToStoreOptions()))
            {
                CommandLogger = sp.GetService<ILoggerFactory>()?.CreateLogger("Moat.Commands"),
            };
            var securityLog = SecurityEventLog.Open(options.EffectiveSecurityLog, options.Clock, options.UdpRateLimits.Prefix4, options.UdpRateLimits.Prefix6);
            context.SecurityLog = securityLog;
            context.ReloadRequested += securityLog.Reopen;
            AttachTls(context, sp.GetService<ILoggerFactory>());
            return context;
        });
        services.AddSingleton<MoatMetrics>();
        services.AddSingleton<MemcacheConnectionHandler>();
        services.AddHostedService<MoatServerLifetime>();
        services.AddSingleton<Udp.UdpListenerService>();
        services.AddHostedService(sp => sp.GetRequiredService<Udp.UdpListenerService>());
        // Plain TCP listeners run on Moat's own transport, TLS ones on Kestrel's socket transport (registered here
        // explicitly: Kestrel only adds it when no transport is registered yet). Kestrel asks the last registered
        // factory first, and ours takes only PlainTcpEndPoints.
        services.AddSingleton<IConnectionListenerFactory, SocketTransportFactory>();
        services.AddSingleton<IConnectionListenerFactory, Transport.PlainTcpTransportFactory>();
        services.Configure<SocketTransportOptions>(socket =>
        {
            socket.UnsafePreferInlineScheduling = true;
            socket.WaitForDataBeforeAllocatingBuffer = false;
            socket.IOQueueCount = options.Threads;
            socket.Backlog = options.Backlog;
            socket.NoDelay = true;

            // Room for the longest get line plus one whole value, so a maximal set never stalls the pipe.
            socket.MaxReadBufferSize = options.ItemSizeMax + options.MaxGetLineLength + (64 * 1024);
            // Back-pressure: above this much unsent output a connection's flush waits, and while it waits the
            // connection reads nothing more; Kestrel resumes it below half of it.
            socket.MaxWriteBufferSize = Hardening.NetworkHardening.OutputPauseBytes;
        });
        services.AddSingleton<IConfigureOptions<KestrelServerOptions>>(sp => new ConfigureOptions<KestrelServerOptions>(kestrel =>
        {
            // Kestrel sets this itself, but possibly after us; the connection handler is resolved from it.
            kestrel.ApplicationServices ??= sp;
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxConcurrentConnections = null;
            kestrel.Limits.MaxConcurrentUpgradedConnections = null;
            var context = sp.GetRequiredService<MoatServerContext>();
            var tls = context.Tls;
            foreach (var (endPoint, tlsMode) in TlsListeners.EndPoints(options))
            {
                EndPoint listenOn = Transport.PlainTcpTransportFactory.IsSupported && (tls is null || tlsMode == TlsListenerMode.None) ? new Transport.PlainTcpEndPoint(endPoint) : endPoint;
                kestrel.Listen(listenOn, listen =>
                {
                    // The --allow check MUST stay the first middleware: peers outside the list are reset before any
                    // other layer (the TLS handshake included) reads or writes a byte. TLS and the rest come after it.
                    listen.Use(Connections.AllowListMiddleware.Create(context));
                    TlsListeners.UseTls(listen, tls, tlsMode);
                    listen.UseConnectionHandler<MemcacheConnectionHandler>();
                });
            }
        }));
        return services;
    }

    /// <summary>With -Z, loads the certificates, exposes them to stats, and reloads them on SIGHUP.</summary>
    private static void AttachTls(MoatServerContext context, ILoggerFactory? loggers)
    {
        if (!context.Options.TlsEnabled)
        {
            return;
        }

        var logger = loggers?.CreateLogger("Moat.Tls") ?? NullLogger.Instance;
        var tls = new TlsServer(context.Options, logger);
        context.Tls = tls;
        context.ReloadRequested += tls.Reload;
    }
}
