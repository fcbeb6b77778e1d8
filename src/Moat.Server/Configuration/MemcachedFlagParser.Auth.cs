using Moat.Security.Auth;

namespace Moat.Server.Configuration;

/// <summary>
/// Authentication flags: memcached's -Y FILE (ASCII auth) and -S (SASL, here PLAIN against a user:password file),
/// plus --sasl-pwdb, --auth-timeout and --compat-strict-flags. Credential files are read while parsing, so a
/// missing or malformed file stops the start with exit code 1 and memcached's message, before any socket opens.
/// </summary>
public static partial class MemcachedFlagParser
{
    /// <summary>memcached's exit code for an unusable auth file (EXIT_FAILURE).</summary>
    private const int CredentialFileExitCode = 1;

    private const string SaslPasswordDatabaseVariable = "MEMCACHED_SASL_PWDB";

    static partial void RegisterAuthOptions(FlagExtensionTable table)
    {
        table.ShortFlags['Y'] = static (value, state) => Set(() => state.Options.AsciiAuthFile = value);
        table.ShortFlags['S'] = static (_, state) => Set(() => state.Options.SaslEnabled = true);
        table.LongOptions["sasl-pwdb"] = (true, static (value, state) => Set(() => state.Options.SaslPasswordDatabase = value));
        table.LongOptions["auth-timeout"] = (true, static (value, state) =>
            ParseInt(value!, 0, 86_400, "ERROR: --auth-timeout must be a number of seconds (0-86400, 0 = never)", out var seconds)
                ?? Set(() => state.Options.AuthTimeoutSeconds = seconds));
        table.LongOptions["compat-strict-flags"] = (false, static (_, state) => Set(() => state.Options.CompatStrictFlags = true));
        table.Validators.Add(ValidateAuth);
    }

    private static FlagParseResult? ValidateAuth(FlagParseState state)
    {
        var o = state.Options;
        if (!o.AuthEnabled)
        {
            return null;
        }

        if (o.SaslEnabled && o.AsciiAuthFile is not null)
        {
            return FlagParseResult.Fail("ERROR: -S and -Y cannot be combined: SASL speaks the binary protocol, -Y the ASCII protocol");
        }

        // Like memcached: the protocol follows the authentication unless -B chose a different one, which is refused.
        var protocolGiven = state.SeenFlags.Contains('B');
        var wanted = o.SaslEnabled ? BindingProtocol.Binary : BindingProtocol.Ascii;
        if (protocolGiven && o.Protocol != wanted)
        {
            return FlagParseResult.Fail(o.SaslEnabled
                ? "ERROR: You cannot allow the ASCII protocol while using SASL."
                : "ERROR: You cannot allow the BINARY protocol while using ascii authentication tokens.");
        }

        o.Protocol = wanted;

        // memcached refuses UDP with authentication; Moat serves it only to auth-bound tokens unless asked to refuse.
        if (o.CompatStrictFlags && o.UdpPort != 0)
        {
            return FlagParseResult.Fail(o.SaslEnabled
                ? "ERROR: Cannot enable UDP while using binary SASL authentication."
                : "Cannot use UDP with ascii authentication enabled (-U 0 to disable)");
        }

        if (o.SaslEnabled)
        {
            o.SaslPasswordDatabase ??= Environment.GetEnvironmentVariable(SaslPasswordDatabaseVariable) is { Length: > 0 } fromEnvironment ? fromEnvironment : null;
            if (o.SaslPasswordDatabase is null)
            {
                return FlagParseResult.Fail($"ERROR: -S needs a password database of user:password lines: --sasl-pwdb FILE or {SaslPasswordDatabaseVariable}=FILE");
            }
        }

        return LoadCredentials(o);
    }

    private static FlagParseResult? LoadCredentials(MoatServerOptions o)
    {
        var path = o.AsciiAuthFile ?? o.SaslPasswordDatabase!;
        try
        {
            o.LoadedCredentials = CredentialTable.Load(path, o.SaslEnabled ? CredentialFormat.SaslPasswordDatabase : CredentialFormat.AsciiAuthFile);
            return null;
        }
        catch (CredentialFileException error)
        {
            return new FlagParseResult { ExitCode = CredentialFileExitCode, Error = DescribeCredentialError(path, o.SaslEnabled, error) };
        }
    }

    /// <summary>memcached's wording for a bad auth file, with the line number memcached leaves out.</summary>
    internal static string DescribeCredentialError(string path, bool sasl, CredentialFileException error)
    {
        var what = sasl ? "sasl password database" : "authfile";
        return error.Unreadable
            ? $"Could not open {what} [{path}] for reading, error {error.Message}"
            : $"{(sasl ? "Sasl password database" : "Authfile")} [{path}] has a malformed entry. Should be 'user:password' ({error.Message})";
    }
}
