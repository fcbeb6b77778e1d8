using System.Globalization;
using System.Text;

namespace Moat.Tests.Kit;

/// <summary>
/// twemproxy (Debian's nutcracker) as a child process: one pool listening on ADDRESS:{port} in front of
/// <c>servers</c> ("host:port:weight name" lines), with the given pool settings ("hash: md5"); its stats port is a
/// free port too (the default 22222 may be taken). Config, log and pid file live in a temporary folder removed at
/// dispose. Started and ready (it answers "version" through to a backend) when constructed.
/// </summary>
public sealed class NutcrackerServer : ServerProcess
{
    private readonly string _directory;
    private readonly string _pool;
    private readonly IReadOnlyList<string> _settings;
    private readonly IReadOnlyList<string> _servers;

    public NutcrackerServer(string pool, IEnumerable<string> settings, IEnumerable<string> servers, ServerOptions? options = null)
        : this(Directory.CreateTempSubdirectory("moat-nutcracker-").FullName, pool, settings, servers, options ?? new ServerOptions { Readiness = Readiness.AnswersLine })
    {
    }

    private NutcrackerServer(string directory, string pool, IEnumerable<string> settings, IEnumerable<string> servers, ServerOptions options)
        : base("nutcracker", Tools.Nutcracker ?? "nutcracker",
            ["-c", Path.Combine(directory, "nutcracker.yml"), "-s", FreePort.Tcp().ToString(CultureInfo.InvariantCulture), "-a", options.Address,
                "-o", Path.Combine(directory, "nutcracker.log"), "-p", Path.Combine(directory, "nutcracker.pid")],
            options)
    {
        _directory = directory;
        _pool = pool;
        _settings = [.. settings];
        _servers = [.. servers];
        try
        {
            Start();
        }
        catch
        {
            Directory.Delete(_directory, recursive: true);
            throw;
        }
    }

    protected override void Prepare()
    {
        var invariant = CultureInfo.InvariantCulture;
        var config = new StringBuilder()
            .AppendLine(invariant, $"{_pool}:")
            .AppendLine(invariant, $"  listen: {Endpoint}");
        foreach (var setting in _settings)
        {
            config.AppendLine(invariant, $"  {setting}");
        }

        config.AppendLine("  servers:");
        foreach (var server in _servers)
        {
            config.AppendLine(invariant, $"   - {server}");
        }

        File.WriteAllText(Path.Combine(_directory, "nutcracker.yml"), config.ToString());
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing && Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }
}
