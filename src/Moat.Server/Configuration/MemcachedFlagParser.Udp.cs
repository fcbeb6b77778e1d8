namespace Moat.Server.Configuration;

/// <summary>Moat's UDP guard options (docs/udp.md); the guard itself has no off switch.</summary>
public static partial class MemcachedFlagParser
{
    private static void RegisterUdpOptions(FlagExtensionTable table)
    {
        table.LongOptions["udp-amp-factor"] = (true, static (value, state) =>
            ParseInt(value!, 0, Moat.Security.Udp.AmplificationGuard.MaxAmplificationFactor, "ERROR: --udp-amp-factor must be 0, 1, 2 or 3", out var factor)
                ?? Set(() => state.Options.UdpAmplificationFactor = factor));
        table.LongOptions["udp-trusted"] = (true, static (value, state) =>
        {
            try
            {
                Moat.Security.Udp.TrustedNetworks.Parse(value!);
            }
            catch (FormatException error)
            {
                return FlagParseResult.Fail(error.Message);
            }

            state.Options.UdpTrusted = value;
            return null;
        }
        );
    }
}
