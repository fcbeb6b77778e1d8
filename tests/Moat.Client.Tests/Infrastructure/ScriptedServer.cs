using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Moat.Client.Tests.Infrastructure;

/// <summary>
/// A loopback TCP server that answers each request line with a scripted response, written one byte at a time so
/// every response arrives split across many reads. Lines of storage commands are followed by their data line.
/// </summary>
internal sealed class ScriptedServer : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly Func<string, string> _answer;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;
    private int _connections;

    public ScriptedServer(Func<string, string> answer)
    {
        _answer = answer;
        _listener.Start();
        _accepting = AcceptAsync();
    }

    public string Endpoint => "127.0.0.1:" + ((IPEndPoint)_listener.LocalEndpoint).Port;

    public int Connections => Volatile.Read(ref _connections);

    private async Task AcceptAsync()
    {
        var sessions = new List<Task>();
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                var client = await _listener.AcceptTcpClientAsync(_stop.Token);
                Interlocked.Increment(ref _connections);
                sessions.Add(ServeAsync(client));
            }
        }
        catch (OperationCanceledException)
        {
        }

        await Task.WhenAll(sessions);
    }

    private async Task ServeAsync(TcpClient client)
    {
        using var _ = client;
        client.NoDelay = true;
        var stream = client.GetStream();
        using var reader = new StreamReader(stream, Encoding.ASCII);
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                var line = await reader.ReadLineAsync(_stop.Token);
                if (line is null)
                {
                    return;
                }

                if (line.StartsWith("ms ", StringComparison.Ordinal) || line.StartsWith("set ", StringComparison.Ordinal))
                {
                    await reader.ReadLineAsync(_stop.Token); // the data block
                }

                var response = line == "version" ? "VERSION 1.6.18\r\n" : _answer(line);
                foreach (var b in Encoding.ASCII.GetBytes(response))
                {
                    await stream.WriteAsync(new[] { b }, _stop.Token);
                    await stream.FlushAsync(_stop.Token);
                }
            }
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or ObjectDisposedException)
        {
            // client went away or the test is over
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _accepting;
        _stop.Dispose();
    }
}
