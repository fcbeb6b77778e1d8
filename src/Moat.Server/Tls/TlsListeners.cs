using System.Net;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Moat.Server.Configuration;

namespace Moat.Server.Tls;

/// <summary>The TCP listeners and their TLS modes, and the TLS handshake on a listener for -Z (the host wires them in).</summary>
internal static class TlsListeners
{
    /// <summary>
    /// Every TCP endpoint to bind with its TLS mode: the plain -l addresses (TLS when -Z is on) and the prefixed
    /// notls:/btls:/mtls: entries, whose port defaults to -p.
    /// </summary>
    public static IEnumerable<(IPEndPoint EndPoint, TlsListenerMode Mode)> EndPoints(MoatServerOptions options)
    {
        foreach (var address in options.EffectiveListenAddresses())
        {
            yield return (new IPEndPoint(address, options.TcpPort), TlsListenerMode.Default);
        }

        foreach (var listener in options.TlsListeners)
        {
            yield return (new IPEndPoint(listener.Address, listener.Port ?? options.TcpPort), listener.Mode);
        }
    }

    /// <summary>
    /// Adds the TLS handshake to a listener unless it is plain. Call it after any other connection middleware
    /// (the address allowlist must refuse a peer before a handshake costs anything) and before the connection handler.
    /// </summary>
    public static void UseTls(ListenOptions listen, TlsServer? tls, TlsListenerMode mode)
    {
        if (tls is null || mode == TlsListenerMode.None)
        {
            return;
        }

        listen.Use(tls.CountFailedHandshakes);
        listen.UseHttps(new TlsHandshakeCallbackOptions
        {
            OnConnection = _ => ValueTask.FromResult(tls.CreateAuthenticationOptions(mode)),
            HandshakeTimeout = TimeSpan.FromSeconds(10),
        });
        listen.Use(TlsServer.MarkHandshakeCompleted);
    }
}
