using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;

namespace Moat.Server.Hosting;

/// <summary>
/// The -P pid file, written as memcached 1.6.18's save_pid writes it: the pid and a newline to PATH.tmp, then renamed
/// to PATH, so no reader sees an empty file. A failure is not fatal (memcached keeps running too): each step that
/// fails prints memcached's perror line on stderr, e.g. "Could not open the pid file PATH.tmp for writing: No such
/// file or directory". On Linux the calls are libc's own, so the error text is the C library's, as memcached's is.
/// </summary>
internal static class PidFile
{
    private const int WriteOnly = 0x1;
    private const int Create = 0x40;
    private const int Truncate = 0x200;
    private const int CloseOnExec = 0x80000;

    /// <summary>fopen(..., "w"): rw-rw-rw- less the umask.</summary>
    private const int CreateMode = 0x1B6;

    /// <summary>Writes the pid to <paramref name="path"/>; false (after the line on <paramref name="errors"/>) when PATH was not written.</summary>
    public static bool Write(string path, TextWriter errors)
    {
        WarnIfRunning(path, errors);
        var temporary = path + ".tmp";
        var content = Encoding.ASCII.GetBytes(Environment.ProcessId.ToString(CultureInfo.InvariantCulture) + "\n");
        return OperatingSystem.IsLinux() ? WriteNative(path, temporary, content, errors) : WriteManaged(path, temporary, content, errors);
    }

    /// <summary>
    /// memcached's save_pid first reads an existing PATH: when its first line holds the pid of a running process
    /// (kill(pid, 0) succeeds) it prints "WARNING: The pid file contained the following (running) pid: N" and then
    /// overwrites the file all the same.
    /// </summary>
    private static void WarnIfRunning(string path, TextWriter errors)
    {
        string? line;
        try
        {
            if (!File.Exists(path))
            {
                return;
            }

            using var reader = new StreamReader(path, Encoding.Latin1);
            line = reader.ReadLine();
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            return;
        }

        if (line is null || !TryParsePid(line, out var pid))
        {
            return;
        }

        var running = OperatingSystem.IsLinux() ? kill(unchecked((int)pid), 0) == 0 : IsRunningManaged(pid);
        if (running)
        {
            errors.WriteLine($"WARNING: The pid file contained the following (running) pid: {pid}");
        }
    }

    /// <summary>memcached's safe_strtoul on the line: leading blanks, digits, then a blank or the end.</summary>
    private static bool TryParsePid(string line, out uint pid)
    {
        pid = 0;
        var text = line.TrimStart(' ', '\t', '\r', '\v', '\f');
        var end = text.IndexOfAny([' ', '\t', '\r', '\v', '\f']);
        var token = end < 0 ? text : text[..end];
        return token.Length > 0 && Protocol.AsciiNumber.TryParseUInt32(Encoding.ASCII.GetBytes(token), out pid);
    }

    private static bool IsRunningManaged(uint pid)
    {
        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(unchecked((int)pid));
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    private static bool WriteNative(string path, string temporary, byte[] content, TextWriter errors)
    {
        var fd = open(Terminated(temporary), WriteOnly | Create | Truncate | CloseOnExec, CreateMode);
        if (fd < 0)
        {
            errors.WriteLine($"Could not open the pid file {temporary} for writing: {LastError()}");
            return false;
        }

        var written = write(fd, content, content.Length);
        var writeError = written != content.Length ? LastError() : null;
        if (close(fd) != 0 || writeError is not null)
        {
            errors.WriteLine($"Could not close the pid file {temporary}: {writeError ?? LastError()}");
        }

        if (rename(Terminated(temporary), Terminated(path)) != 0)
        {
            errors.WriteLine($"Could not rename the pid file from {temporary} to {path}: {LastError()}");
            return false;
        }

        return true;
    }

    private static bool WriteManaged(string path, string temporary, byte[] content, TextWriter errors)
    {
        try
        {
            File.WriteAllBytes(temporary, content);
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException or NotSupportedException)
        {
            errors.WriteLine($"Could not open the pid file {temporary} for writing: {error.Message}");
            return false;
        }

        try
        {
            File.Move(temporary, path, overwrite: true);
            return true;
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            errors.WriteLine($"Could not rename the pid file from {temporary} to {path}: {error.Message}");
            return false;
        }
    }

    private static string LastError() => Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError());

    private static byte[] Terminated(string path) => Encoding.UTF8.GetBytes(path + "\0");

    [DllImport("libc", SetLastError = true)]
    private static extern int open(byte[] path, int flags, int mode);

    [DllImport("libc", SetLastError = true)]
    private static extern nint write(int fd, byte[] buffer, nint count);

    [DllImport("libc", SetLastError = true)]
    private static extern int close(int fd);

    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int signal);

    [DllImport("libc", SetLastError = true)]
    private static extern int rename(byte[] oldPath, byte[] newPath);
}
