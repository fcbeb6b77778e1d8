using System.Text;

namespace Moat.Defense.Audit;

/// <summary>Reads CRLF lines and multi-line replies from a TCP probe connection, bounded in size and time.</summary>
internal sealed class ProbeLine
{
    private const int MaxReply = 256 * 1024;

    private readonly IAuditConnection _connection;
    private readonly TimeSpan _timeout;
    private readonly byte[] _buffer = new byte[MaxReply];
    private int _length;

    public ProbeLine(IAuditConnection connection, TimeSpan timeout)
    {
        _connection = connection;
        _timeout = timeout;
    }

    /// <summary>Bytes received but not yet consumed (for protocol detection of non-text replies).</summary>
    public ReadOnlySpan<byte> Pending => _buffer.AsSpan(0, _length);

    /// <summary>Sends a request and reads one line; null on close, timeout or no line within the limit.</summary>
    public async Task<string?> RequestLineAsync(string request, CancellationToken cancellation)
    {
        await _connection.SendAsync(Encoding.ASCII.GetBytes(request), cancellation);
        return await ReadUntilAsync("\r\n", cancellation);
    }

    /// <summary>Sends a request and reads up to and including the terminator line (e.g. <c>END\r\n</c>).</summary>
    public async Task<string?> RequestBlockAsync(string request, string terminator, CancellationToken cancellation)
    {
        await _connection.SendAsync(Encoding.ASCII.GetBytes(request), cancellation);
        return await ReadUntilAsync(terminator, cancellation);
    }

    /// <summary>Sends raw bytes and collects at least <paramref name="minimum"/> bytes of reply.</summary>
    public async Task<byte[]?> RequestBytesAsync(byte[] request, int minimum, CancellationToken cancellation)
    {
        _length = 0;
        await _connection.SendAsync(request, cancellation);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        deadline.CancelAfter(_timeout);
        try
        {
            while (_length < minimum)
            {
                var read = await _connection.ReceiveAsync(_buffer.AsMemory(_length), deadline.Token);
                if (read == 0)
                {
                    break;
                }

                _length += read;
            }
        }
        catch (OperationCanceledException) when (!cancellation.IsCancellationRequested)
        {
            // Timeout: return what arrived.
        }

        return _length == 0 ? null : _buffer.AsSpan(0, _length).ToArray();
    }

    private async Task<string?> ReadUntilAsync(string terminator, CancellationToken cancellation)
    {
        _length = 0;
        var marker = Encoding.ASCII.GetBytes(terminator);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        deadline.CancelAfter(_timeout);
        try
        {
            while (_length < _buffer.Length)
            {
                var end = _buffer.AsSpan(0, _length).IndexOf(marker);
                if (end >= 0 && (terminator == "\r\n" || end == 0 || _buffer[end - 1] == '\n'))
                {
                    return Encoding.Latin1.GetString(_buffer, 0, end + marker.Length);
                }

                if (terminator != "\r\n" && _length > 0 && StartsWithError())
                {
                    return Encoding.Latin1.GetString(_buffer, 0, _length);
                }

                var read = await _connection.ReceiveAsync(_buffer.AsMemory(_length), deadline.Token);
                if (read == 0)
                {
                    return null;
                }

                _length += read;
            }
        }
        catch (OperationCanceledException) when (!cancellation.IsCancellationRequested)
        {
            return null;
        }

        return null;
    }

    /// <summary>A multi-line request answered by one error line (e.g. CLIENT_ERROR) ends at that line.</summary>
    private bool StartsWithError()
    {
        var text = _buffer.AsSpan(0, _length);
        var lineEnd = text.IndexOf("\r\n"u8);
        return lineEnd >= 0 && (text.StartsWith("ERROR"u8) || text.StartsWith("CLIENT_ERROR"u8) || text.StartsWith("SERVER_ERROR"u8));
    }
}
