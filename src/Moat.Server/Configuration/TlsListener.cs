using System.Net;

namespace Moat.Server.Configuration;

/// <summary>One -l entry with a TLS prefix: notls:ADDR[:PORT], btls:ADDR[:PORT] or mtls:ADDR[:PORT].</summary>
/// <param name="Address">The address to bind.</param>
/// <param name="Port">The port written in the entry; null takes -p.</param>
/// <param name="Mode">The TLS mode the prefix chose.</param>
public sealed record TlsListener(IPAddress Address, int? Port, TlsListenerMode Mode);
