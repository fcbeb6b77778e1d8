namespace Moat.Server.Configuration;

/// <summary>The security event log's flag (docs/security.md "Security event log").</summary>
public static partial class MemcachedFlagParser
{
    static partial void RegisterSecurityLogOptions(FlagExtensionTable table)
    {
        table.LongOptions["security-log"] = (true, static (value, state) =>
        {
            if (string.IsNullOrWhiteSpace(value))
            {
                return FlagParseResult.Fail("ERROR: --security-log needs a file path, - (stderr) or off");
            }

            state.Options.SecurityLog = value;
            return null;
        }
        );
    }
}
