using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;
using Moat.Server.Configuration;

namespace Moat.Server.Hosting;

/// <summary>Builds the generic host that runs a stand-alone Moat server (what the <c>moat</c> executable runs).</summary>
public static class MoatServerHost
{
    /// <summary>
    /// A host with Kestrel, the Moat listeners and stderr logging that stays silent unless -v was given (stdout is
    /// never written, like memcached). SIGTERM/SIGINT stop it gracefully through the console lifetime.
    /// </summary>
    public static IHost Build(MoatServerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new HostBuilder()
            .UseConsoleLifetime(o => o.SuppressStatusMessages = true)
            .ConfigureLogging(logging =>
            {
                logging.ClearProviders();
                logging.AddSimpleConsole(o =>
                {
                    o.SingleLine = true;
                    o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ ";
                    o.UseUtcTimestamp = true;
                });
                logging.Services.Configure<ConsoleLoggerOptions>(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
                logging.SetMinimumLevel(options.Verbosity switch
                {
                    0 => LogLevel.Error,
                    1 => LogLevel.Information,
                    _ => LogLevel.Debug,
                });
                // The framework's own errors (e.g. a failed bind) are reported by the caller in one line; show them only at -vvv.
                logging.AddFilter("Microsoft", options.Verbosity >= 3 ? LogLevel.Debug : LogLevel.None);
            })
            .ConfigureServices(services =>
            {
                services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(5));
                services.AddMoatServer(options);
            })
            // UseKestrelCore rather than UseKestrel: no QUIC transport (memcached has no use for HTTP/3), so neither
            // System.Net.Quic nor Kestrel's QUIC assembly is loaded; the HTTPS configuration is added back for --tls.
            .ConfigureWebHost(web => web
                .UseKestrelCore()
                .UseKestrelHttpsConfiguration()
                .Configure(_ => { }))
            .Build();
    }

    /// <summary>The running server's shared state (tests read the bound port from it).</summary>
    internal static MoatServerContext Context(this IHost host) => host.Services.GetRequiredService<MoatServerContext>();
}
