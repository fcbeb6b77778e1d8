namespace Moat.Client.Tests.Infrastructure;

internal static class Tools
{
    public const string Memcached = "/usr/bin/memcached";
    public const string Nutcracker = "/usr/sbin/nutcracker";

    public static bool Exists(string path) => File.Exists(path);

    /// <summary>The built `moat` server (Release preferred, as CI builds Release).</summary>
    public static string? MoatDll
    {
        get
        {
            var root = RepositoryRoot;
            if (root is null)
            {
                return null;
            }

            foreach (var configuration in new[] { "Release", "Debug" })
            {
                var path = Path.Combine(root, "src", "Moat.Cli", "bin", configuration, "net10.0", "moat.dll");
                if (File.Exists(path))
                {
                    return path;
                }
            }

            return null;
        }
    }

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
}
