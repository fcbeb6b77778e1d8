using System.Globalization;

namespace Moat.Client.Distribution;

/// <summary>One configured server: <c>host:port[:weight] [name]</c> (twemproxy syntax), kept verbatim.</summary>
internal sealed record ServerAddress(string Host, int Port, int Weight, string? NodeName)
{
    private const int DefaultPort = 11211;

    /// <summary>"host:port", used in logs, exceptions, telemetry and <see cref="MoatClient.GetServerForKey"/>.</summary>
    public string Endpoint => Host + ":" + Port.ToString(CultureInfo.InvariantCulture);

    /// <summary>libmemcached/twemproxy ring name: node name, else host for port 11211, else host:port.</summary>
    public string LibmemcachedRingName => NodeName ?? (Port == DefaultPort ? Host : Endpoint);

    /// <summary>spymemcached ring name: always host:port (node names are not part of spymemcached's format).</summary>
    public string SpymemcachedRingName => Endpoint;

    public static ServerAddress Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var trimmed = text.Trim();
        string? name = null;
        var space = trimmed.IndexOf(' ', StringComparison.Ordinal);
        if (space >= 0)
        {
            name = trimmed[(space + 1)..].Trim();
            trimmed = trimmed[..space];
            if (name.Length == 0)
            {
                name = null;
            }
        }

        // IPv6 literals may be bracketed: [::1]:11211:1. Without brackets the last fields are port and weight.
        string host;
        string rest;
        if (trimmed.StartsWith('['))
        {
            var close = trimmed.IndexOf(']', StringComparison.Ordinal);
            if (close < 0)
            {
                throw Invalid(text, "missing ']'");
            }

            host = trimmed[1..close];
            rest = trimmed[(close + 1)..];
            if (rest.Length > 0 && rest[0] != ':')
            {
                throw Invalid(text, "expected ':' after ']'");
            }

            rest = rest.Length > 0 ? rest[1..] : string.Empty;
        }
        else
        {
            var colon = trimmed.IndexOf(':', StringComparison.Ordinal);
            host = colon < 0 ? trimmed : trimmed[..colon];
            rest = colon < 0 ? string.Empty : trimmed[(colon + 1)..];
        }

        if (host.Length == 0)
        {
            throw Invalid(text, "empty host");
        }

        var port = DefaultPort;
        var weight = 1;
        if (rest.Length > 0)
        {
            var parts = rest.Split(':');
            if (parts.Length > 2)
            {
                throw Invalid(text, "expected host:port[:weight] [name]");
            }

            if (!int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out port) || port is < 1 or > 65535)
            {
                throw Invalid(text, "port must be 1..65535");
            }

            if (parts.Length == 2 && (!int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out weight) || weight < 1))
            {
                throw Invalid(text, "weight must be a positive integer");
            }
        }

        return new ServerAddress(host, port, weight, name);
    }

    private static FormatException Invalid(string text, string reason) =>
        new($"Invalid server \"{text}\": {reason} (expected host:port[:weight] [name]).");
}
