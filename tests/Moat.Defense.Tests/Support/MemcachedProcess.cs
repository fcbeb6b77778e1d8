using System.Diagnostics;

namespace Moat.Defense.Tests.Support;

/// <summary>Debian memcached on a free loopback port (the reference server).</summary>
internal sealed class MemcachedProcess : ServerProcess
{
    public MemcachedProcess(string extraArguments, bool udp, string address = "127.0.0.1", string? wrapper = null)
        : this(FreePort.Both(), extraArguments, udp, address, wrapper)
    {
    }

    private MemcachedProcess(int port, string extraArguments, bool udp, string address, string? wrapper)
        : base(StartInfo(port, extraArguments, udp, address, wrapper), port, address)
    {
    }

    private static ProcessStartInfo StartInfo(int port, string extraArguments, bool udp, string address, string? wrapper)
    {
        var arguments = $"-l {address} -p {port} -U {(udp ? port : 0)} -m 64 -t 1 -u root {extraArguments}";
        return wrapper is null
            ? new ProcessStartInfo(Tools.Find("memcached")!, arguments)
            : new ProcessStartInfo(wrapper.Split(' ')[0], string.Join(' ', wrapper.Split(' ').Skip(1)) + " " + Tools.Find("memcached") + " " + arguments);
    }
}
