using System.Reflection;

namespace Moat.Server.Configuration;

/// <summary>Moat's own version, from the assembly (set in Directory.Build.props).</summary>
public static class ServerVersion
{
    /// <summary>e.g. "0.1.0".</summary>
    public static string Moat { get; } =
        typeof(ServerVersion).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0]
        ?? "0.0.0";
}
