namespace Moat.Server.Configuration;

/// <summary>
/// Flags beyond memcached's core set are registered per area (UDP guard, authentication, network hardening, TLS,
/// security log) in their own partial files, so each area's flags, parsing and cross-flag checks live together.
/// </summary>
public static partial class MemcachedFlagParser
{
    private static readonly FlagExtensionTable Extensions = BuildExtensions();

    private static FlagExtensionTable BuildExtensions()
    {
        var table = new FlagExtensionTable();
        RegisterUdpOptions(table);
        RegisterAuthOptions(table);
        RegisterHardeningOptions(table);
        RegisterTlsOptions(table);
        RegisterSecurityLogOptions(table);
        RegisterCompatOptions(table);
        return table;
    }

    static partial void RegisterAuthOptions(FlagExtensionTable table);

    static partial void RegisterHardeningOptions(FlagExtensionTable table);

    static partial void RegisterTlsOptions(FlagExtensionTable table);

    static partial void RegisterSecurityLogOptions(FlagExtensionTable table);

    static partial void RegisterCompatOptions(FlagExtensionTable table);
}

/// <summary>Parses one flag's value into <see cref="FlagParseState.Options"/>; null on success, else the failure.</summary>
internal delegate FlagParseResult? FlagHandler(string? value, FlagParseState state);

/// <summary>Long options (--name [value]), short flags that an area takes over, -o suboptions, and checks run after parsing.</summary>
internal sealed class FlagExtensionTable
{
    public Dictionary<string, (bool TakesValue, FlagHandler Apply)> LongOptions { get; } = new(StringComparer.Ordinal);

    public Dictionary<char, FlagHandler> ShortFlags { get; } = [];

    public Dictionary<string, FlagHandler> ExtendedOptions { get; } = new(StringComparer.Ordinal);

    public List<Func<FlagParseState, FlagParseResult?>> Validators { get; } = [];
}
