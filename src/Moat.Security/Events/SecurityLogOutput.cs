using System.Text;

namespace Moat.Security.Events;

/// <summary>Where security log lines go: a file opened for appending (reopened on SIGHUP) or the process's stderr.</summary>
internal sealed class SecurityLogOutput : IDisposable
{
    /// <summary>The --security-log value that means stderr.</summary>
    public const string StandardError = "-";

    private readonly string _target;
    private Stream? _file;

    private SecurityLogOutput(string target, Stream? file)
    {
        _target = target;
        _file = file;
    }

    /// <summary>Opens <paramref name="target"/> ("-" for stderr, else a file path, created if missing, appended to).</summary>
    /// <exception cref="IOException">The file cannot be opened for writing.</exception>
    /// <exception cref="UnauthorizedAccessException">The file cannot be opened for writing.</exception>
    public static SecurityLogOutput Open(string target) =>
        new(target, target == StandardError ? null : OpenFile(target));

    /// <summary>Writes one line (UTF-8 JSON without its newline).</summary>
    public void WriteLine(ReadOnlySpan<byte> line)
    {
        if (_file is { } file)
        {
            file.Write(line);
            file.WriteByte((byte)'\n');
        }
        else
        {
            // Console.Error rather than fd 2: the Debian "logfile" setting redirects it, and these lines belong there.
            Console.Error.Write(Encoding.UTF8.GetString(line) + "\n");
        }
    }

    public void Flush()
    {
        _file?.Flush();
        if (_file is null)
        {
            Console.Error.Flush();
        }
    }

    /// <summary>Closes and reopens the file (log rotation); stderr needs nothing. On failure the old file stays in use.</summary>
    public void Reopen()
    {
        if (_file is null)
        {
            return;
        }

        var reopened = OpenFile(_target);
        var old = _file;
        _file = reopened;
        old.Dispose();
    }

    public void Dispose() => _file?.Dispose();

    private static FileStream OpenFile(string path) =>
        new(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete, bufferSize: 64 * 1024);
}
