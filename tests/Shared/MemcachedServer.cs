namespace Moat.Tests.Kit;

/// <summary>
/// Debian's memcached (the behaviour oracle) as a child process: <c>memcached -p {port} -U {udp} -l ADDRESS
/// ARGUMENTS</c>, with <c>-u root</c> added when the tests run as root (memcached refuses root otherwise) and the
/// arguments name no user. Started and ready when constructed; when memcached is not installed nothing starts and
/// <see cref="Available"/> is false (its tests carry <see cref="MemcachedFactAttribute"/> and are skipped), so it also
/// serves as an xunit class fixture.
/// </summary>
public sealed class MemcachedServer : ServerProcess
{
    /// <summary>memcached on 127.0.0.1 and a free port, UDP off.</summary>
    public MemcachedServer()
        : this([], null)
    {
    }

    /// <summary>memcached on 127.0.0.1 and a free port, UDP off, plus <paramref name="arguments"/>.</summary>
    /// <remarks>Internal, like the next one, because xunit wants a class fixture to have one public constructor.</remarks>
    internal MemcachedServer(params string[] arguments)
        : this(arguments, null)
    {
    }

    internal MemcachedServer(IEnumerable<string> arguments, ServerOptions? options)
        : base("memcached", Tools.Memcached ?? "memcached", Compose([.. arguments], options ?? new ServerOptions()), options)
    {
        if (Tools.Memcached is not null)
        {
            Start();
        }
    }

    /// <summary>Whether memcached is installed and running.</summary>
    public bool Available => !HasExited;

    private static string[] Compose(string[] arguments, ServerOptions options) =>
        ["-p", "{port}", "-U", "{udp}", "-l", options.Address, .. arguments, .. Tools.IsRoot && !arguments.Contains("-u") ? ["-u", "root"] : Array.Empty<string>()];
}
