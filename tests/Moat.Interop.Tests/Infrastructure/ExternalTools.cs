using System.Diagnostics;

namespace Moat.Interop.Tests.Infrastructure;

/// <summary>Finds the external programs the interop tests drive, once per test run.</summary>
internal static class ExternalTools
{
    private static readonly Lazy<string?> MemcachedLazy = new(() => FindExecutable("memcached"));
    private static readonly Lazy<string?> MemcapableLazy = new(() => FindExecutable("memcapable") ?? FindExecutable("memccapable"));
    private static readonly Lazy<string?> NutcrackerLazy = new(() => FindExecutable("nutcracker"));
    private static readonly Lazy<string?> PerlLazy = new(() => FindExecutable("perl"));
    private static readonly Lazy<string?> PythonLazy = new(() => FindPythonWith("pymemcache"));
    private static readonly Lazy<string?> PythonPylibmcLazy = new(() => FindPythonWith("pylibmc"));

    public static string? Memcached => MemcachedLazy.Value;

    /// <summary>Debian's memcached-tool (a perl script shipped with the memcached package).</summary>
    public const string MemcachedToolScript = "/usr/share/memcached/scripts/memcached-tool";

    /// <summary>perl, to run <see cref="MemcachedToolScript"/>.</summary>
    public static string? Perl => PerlLazy.Value;

    public static string? Memcapable => MemcapableLazy.Value;

    public static string? Nutcracker => NutcrackerLazy.Value;

    /// <summary>A python3 able to import pymemcache. Debian's /usr/bin/python3 comes first: a pyenv shim
    /// earlier on PATH usually lacks the Debian package.</summary>
    public static string? PythonWithPymemcache => PythonLazy.Value;

    /// <summary>A python3 able to import pylibmc (Debian's python3-pylibmc, over libmemcached).</summary>
    public static string? PythonWithPylibmc => PythonPylibmcLazy.Value;

    /// <summary>
    /// Whether moat implements the meta commands (mg ms md ma mn): true since the text processor dispatches them to
    /// Moat.Server.Meta, so the meta differential tests run against moat.
    /// </summary>
    public const bool MoatAnswersMetaCommands = true;

    /// <summary>The reason a test cannot run, or null when every required tool is present.</summary>
    public static string? MissingReason(ToolRequirement required)
    {
        var missing = new List<string>();
        if (required.HasFlag(ToolRequirement.Memcached) && Memcached is null)
        {
            missing.Add("memcached (apt-get install memcached)");
        }

        if (required.HasFlag(ToolRequirement.Pymemcache) && PythonWithPymemcache is null)
        {
            missing.Add("python3 with pymemcache (apt-get install python3-pymemcache)");
        }

        if (required.HasFlag(ToolRequirement.Pylibmc) && PythonWithPylibmc is null)
        {
            missing.Add("python3 with pylibmc (apt-get install python3-pylibmc)");
        }

        if (required.HasFlag(ToolRequirement.Nutcracker) && Nutcracker is null)
        {
            missing.Add("nutcracker (apt-get install nutcracker)");
        }

        if (required.HasFlag(ToolRequirement.Memcapable) && Memcapable is null)
        {
            missing.Add("memcapable (apt-get install libmemcached-tools)");
        }

        if (required.HasFlag(ToolRequirement.MemcachedTool) && (Perl is null || !File.Exists(MemcachedToolScript)))
        {
            missing.Add("perl and memcached-tool (apt-get install memcached perl)");
        }

        if (required.HasFlag(ToolRequirement.MoatMetaProtocol) && !MoatAnswersMetaCommands)
        {
            missing.Add("moat meta protocol (mn/mg/ms/md/ma answer ERROR so far: flip ExternalTools.MoatAnswersMetaCommands when they land)");
        }

        return missing.Count == 0 ? null : "SKIPPED: missing " + string.Join(", ", missing);
    }

    /// <summary>The moat server executable: moat.dll copied next to this assembly by the project reference,
    /// else the Cli project's own build output for this configuration.</summary>
    public static string MoatDll
    {
        get
        {
            var here = Path.Combine(AppContext.BaseDirectory, "moat.dll");
            if (File.Exists(here) && File.Exists(Path.Combine(AppContext.BaseDirectory, "moat.runtimeconfig.json")))
            {
                return here;
            }

            var configuration = new DirectoryInfo(AppContext.BaseDirectory).Parent?.Name ?? "Debug";
            var root = FindRepositoryRoot();
            var built = Path.Combine(root, "src", "Moat.Cli", "bin", configuration, "net10.0", "moat.dll");
            if (File.Exists(built))
            {
                return built;
            }

            throw new FileNotFoundException($"moat.dll not found next to the tests ({here}) nor at {built}: build src/Moat.Cli first.");
        }
    }

    public static string FindRepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Moat.slnx")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new DirectoryNotFoundException("Moat.slnx not found above " + AppContext.BaseDirectory);
    }

    private static string? FindExecutable(string name)
    {
        foreach (var directory in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Append("/usr/bin").Append("/usr/sbin"))
        {
            if (directory.Length == 0)
            {
                continue;
            }

            var candidate = Path.Combine(directory, name);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    private static string? FindPythonWith(string module)
    {
        foreach (var candidate in new[] { "/usr/bin/python3", FindExecutable("python3") })
        {
            if (candidate is null || !File.Exists(candidate))
            {
                continue;
            }

            try
            {
                using var process = Process.Start(new ProcessStartInfo(candidate, ["-c", "import " + module])
                {
                    RedirectStandardError = true,
                    RedirectStandardOutput = true,
                });
                if (process is null)
                {
                    continue;
                }

                if (!process.WaitForExit(TimeSpan.FromSeconds(20)))
                {
                    process.Kill(entireProcessTree: true);
                    continue;
                }

                if (process.ExitCode == 0)
                {
                    return candidate;
                }
            }
            catch (System.ComponentModel.Win32Exception)
            {
                // Not runnable: try the next candidate.
            }
        }

        return null;
    }
}
