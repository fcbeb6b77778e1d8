using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Numerics;
using Moat.Defense.Cli;

namespace Moat.Defense.Audit;

/// <summary>
/// Parses <c>host</c>, <c>host:port</c>, <c>[v6]:port</c>, literals and CIDRs, expands CIDRs, and
/// enforces the scope rules before anything is sent. Every refusal is a <see cref="UsageException"/> (exit 2).
/// </summary>
internal static class TargetParser
{
    public static List<AuditTarget> Parse(IReadOnlyList<string> specs, int defaultPort, int maxHosts, bool allowPublic, Func<string, IPAddress[]> resolve)
    {
        var targets = new List<AuditTarget>();
        foreach (var spec in specs)
        {
            foreach (var target in ParseOne(spec, defaultPort, maxHosts, resolve))
            {
                if (AddressScope.ForbiddenReason(target.Address) is { } reason)
                {
                    throw new UsageException($"{spec}: refusing to probe a {reason}");
                }

                if (!allowPublic && !AddressScope.IsPrivate(target.Address))
                {
                    throw new UsageException($"{spec}: {target.Address} is a public address; only audit networks you own (--allow-public to confirm)");
                }

                targets.Add(target);
                if (targets.Count > maxHosts)
                {
                    throw new UsageException($"more than {maxHosts} hosts to audit (--max-hosts)");
                }
            }
        }

        return [.. targets.DistinctBy(t => (t.Address, t.Port))];
    }

    private static IEnumerable<AuditTarget> ParseOne(string spec, int defaultPort, int maxHosts, Func<string, IPAddress[]> resolve)
    {
        if (spec.Length == 0)
        {
            throw new UsageException("empty target");
        }

        var slash = spec.IndexOf('/', StringComparison.Ordinal);
        if (slash >= 0)
        {
            return ExpandCidr(spec, slash, defaultPort, maxHosts);
        }

        string host;
        var port = defaultPort;
        if (spec.StartsWith('['))
        {
            var close = spec.IndexOf(']', StringComparison.Ordinal);
            if (close < 0)
            {
                throw new UsageException($"{spec}: missing ']'");
            }

            host = spec[1..close];
            var rest = spec[(close + 1)..];
            if (rest.Length > 0)
            {
                port = rest.StartsWith(':') ? ParsePort(spec, rest[1..]) : throw new UsageException($"{spec}: expected ':port' after ']'");
            }

            if (!IPAddress.TryParse(host, out var bracketed) || bracketed.AddressFamily != AddressFamily.InterNetworkV6)
            {
                throw new UsageException($"{spec}: not an IPv6 address in brackets");
            }

            return [new AuditTarget(bracketed, port, spec)];
        }

        if (IPAddress.TryParse(spec, out var literal) && (literal.AddressFamily == AddressFamily.InterNetworkV6 || !spec.Contains(':', StringComparison.Ordinal)))
        {
            return [new AuditTarget(AddressScope.Normalize(literal), port, spec)];
        }

        var colon = spec.LastIndexOf(':');
        host = spec;
        if (colon >= 0)
        {
            if (spec.IndexOf(':', StringComparison.Ordinal) != colon)
            {
                throw new UsageException($"{spec}: IPv6 addresses with a port need brackets: [addr]:port");
            }

            host = spec[..colon];
            port = ParsePort(spec, spec[(colon + 1)..]);
        }

        if (IPAddress.TryParse(host, out var address))
        {
            return [new AuditTarget(address, port, spec)];
        }

        if (!IsHostName(host))
        {
            throw new UsageException($"{spec}: not a host name, address or CIDR");
        }

        IPAddress[] resolved;
        try
        {
            resolved = resolve(host);
        }
        catch (SocketException error)
        {
            throw new UsageException($"{spec}: cannot resolve {host}: {error.Message}");
        }

        if (resolved.Length == 0)
        {
            throw new UsageException($"{spec}: {host} has no addresses");
        }

        return resolved.Select(a => new AuditTarget(AddressScope.Normalize(a), port, spec));
    }

    private static List<AuditTarget> ExpandCidr(string spec, int slash, int port, int maxHosts)
    {
        if (!IPAddress.TryParse(spec[..slash], out var network)
            || !int.TryParse(spec[(slash + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var prefix))
        {
            throw new UsageException($"{spec}: not a CIDR (address/prefix)");
        }

        var bits = network.AddressFamily == AddressFamily.InterNetwork ? 32 : 128;
        if (prefix > bits)
        {
            throw new UsageException($"{spec}: prefix longer than {bits}");
        }

        var hostBits = bits - prefix;
        var size = BigInteger.One << hostBits;
        var excludeEnds = bits == 32 && hostBits >= 2;
        var usable = excludeEnds ? size - 2 : size;
        if (usable > maxHosts)
        {
            throw new UsageException($"{spec}: {usable} hosts exceed --max-hosts {maxHosts}");
        }

        var bytes = network.GetAddressBytes();
        var value = new BigInteger(bytes, isUnsigned: true, isBigEndian: true);
        value = (value >> hostBits) << hostBits;
        var result = new List<AuditTarget>();
        for (var offset = BigInteger.Zero; offset < size; offset++)
        {
            if (excludeEnds && (offset.IsZero || offset == size - 1))
            {
                continue;
            }

            var host = (value + offset).ToByteArray(isUnsigned: true, isBigEndian: true);
            var padded = new byte[bytes.Length];
            host.CopyTo(padded, padded.Length - host.Length);
            result.Add(new AuditTarget(new IPAddress(padded), port, spec));
        }

        // For IPv4 prefixes up to /30 the network and broadcast addresses were skipped above:
        // a UDP probe to a broadcast address could itself elicit a flood.
        return result;
    }

    private static int ParsePort(string spec, string text)
    {
        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
        {
            throw new UsageException($"{spec}: '{text}' is not a port number");
        }

        return port;
    }

    private static bool IsHostName(string host) =>
        host.Length is > 0 and <= 253 && host.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '.') && !host.StartsWith('-');
}
