using System.Globalization;
using System.Text.Json;

namespace Moat.Defense.Audit;

/// <summary>The <c>tls</c> object of a target in the audit JSON (null when no handshake was made).</summary>
internal static class TlsReport
{
    public static void Write(Utf8JsonWriter json, TlsDetails? details)
    {
        if (details is null)
        {
            json.WriteNull("tls");
            return;
        }

        json.WriteStartObject("tls");
        json.WriteString("protocol", details.Protocol);
        json.WriteString("subject", details.Subject);
        json.WriteString("issuer", details.Issuer);
        json.WriteString("not_after", details.NotAfter.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture));
        json.WriteString("serial", details.Serial);
        json.WriteBoolean("chain_valid", details.ChainValid);
        if (details.ChainProblem is null)
        {
            json.WriteNull("chain_problem");
        }
        else
        {
            json.WriteString("chain_problem", details.ChainProblem);
        }

        json.WriteEndObject();
    }
}
