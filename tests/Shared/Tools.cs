using System.Collections.Concurrent;
using System.Diagnostics;

namespace Moat.Tests.Kit;

/// <summary>
/// The external programs the tests drive, and why a test cannot run here. A requirement is one of:
/// a program name, looked up on PATH and in the sbin directories ("memcached", "nfcapd");
/// an absolute path that must exist ("/usr/share/memcached/scripts/memcached-tool", "/proc/self/status");
/// "python3:MODULE", a python3 able to import MODULE;
/// "moat:FLAG", the built moat server naming FLAG in its --help;
/// "A|B", either of A and B (a program shipped under two names);
/// <see cref="Root"/>, running as root on Linux.
/// </summary>
public static class Tools
{
    /// <summary>The requirement "running as root on Linux" (raw sockets, network namespaces).</summary>
    public const string Root = "root";

    private static readonly ConcurrentDictionary<string, string?> Pythons = new(StringComparer.Ordinal);
    private static readonly Lazy<string?> MemcachedLazy = new(() => File.Exists("/usr/bin/memcached") ? "/usr/bin/memcached" : Find("memcached"));
    private static readonly Lazy<string?> NutcrackerLazy = new(() => File.Exists("/usr/sbin/nutcracker") ? "/usr/sbin/nutcracker" : Find("nutcracker"));

    /// <summary>Debian's memcached (1.6.18, the behaviour oracle): /usr/bin/memcached, else the one on PATH; null when missing.</summary>
    public static string? Memcached => MemcachedLazy.Value;

    /// <summary>twemproxy (Debian's nutcracker): /usr/sbin/nutcracker, else the one on PATH; null when missing.</summary>
    public static string? Nutcracker => NutcrackerLazy.Value;

    /// <summary>Whether the tests run as root on Linux.</summary>
    public static bool IsRoot => OperatingSystem.IsLinux() && Environment.IsPrivilegedProcess;

    /// <summary>Finds a program on PATH, then in /usr/sbin, /sbin and /usr/bin (where root tools live); null when missing.</summary>
    public static string? Find(string name)
    {
        var path = Environment.GetEnvironmentVariable("PATH") ?? string.Empty;
        foreach (var directory in path.Split(':').Concat(["/usr/sbin", "/sbin", "/usr/bin"]))
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

    /// <summary>
    /// A python3 able to import <paramref name="module"/>, or null. Debian's /usr/bin/python3 comes first: a pyenv
    /// shim earlier on PATH usually lacks the Debian package.
    /// </summary>
    public static string? PythonWith(string module) => Pythons.GetOrAdd(module, FindPythonWith);

    /// <summary>The reason a test cannot run here (every missing requirement), or null when all are met.</summary>
    public static string? Missing(params string[] requirements)
    {
        var missing = requirements.Where(requirement => !IsMet(requirement)).ToList();
        if (missing.Count == 0)
        {
            return null;
        }

        if (missing.Contains(Root))
        {
            return "needs root on Linux (raw sockets, network namespaces)";
        }

        return "needs " + string.Join(", ", missing.Select(Describe));
    }

    /// <summary>The repository's root (the folder holding Moat.slnx), or null when the tests run outside it.</summary>
    public static string? RepositoryRoot
    {
        get
        {
            var directory = new DirectoryInfo(AppContext.BaseDirectory);
            while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Moat.slnx")))
            {
                directory = directory.Parent;
            }

            return directory?.FullName;
        }
    }

    private static bool IsMet(string requirement)
    {
        if (requirement.Contains('|', StringComparison.Ordinal))
        {
            return requirement.Split('|').Any(IsMet);
        }

        if (requirement == Root)
        {
            return IsRoot;
        }

        if (requirement.StartsWith("python3:", StringComparison.Ordinal))
        {
            return PythonWith(requirement["python3:".Length..]) is not null;
        }

        if (requirement.StartsWith("moat:", StringComparison.Ordinal))
        {
            return MoatServer.Help().Contains(requirement["moat:".Length..], StringComparison.Ordinal);
        }

        if (requirement == "memcached")
        {
            return Memcached is not null;
        }

        return requirement.StartsWith('/') ? File.Exists(requirement) : Find(requirement) is not null;
    }

    private static string Describe(string requirement) => requirement switch
    {
        "memcached" => "memcached (apt-get install memcached)",
        "nutcracker" => "nutcracker (apt-get install nutcracker)",
        _ when requirement.Contains('|', StringComparison.Ordinal) => string.Join(" or ", requirement.Split('|').Select(Describe)),
        _ when requirement.StartsWith("python3:", StringComparison.Ordinal) => $"python3 with {requirement["python3:".Length..]}",
        _ when requirement.StartsWith("moat:", StringComparison.Ordinal) => $"the moat server to support {requirement["moat:".Length..]}",
        _ when requirement.StartsWith('/') => requirement,
        _ => requirement + " on PATH",
    };

    private static string? FindPythonWith(string module)
    {
        foreach (var candidate in new[] { "/usr/bin/python3", Find("python3") })
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
