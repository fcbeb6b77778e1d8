using System.Buffers.Binary;
using System.Net.Sockets;
using System.Text;
using Moat.Server.Tests.Binary;
using Xunit.Abstractions;

namespace Moat.Server.Tests.Hardening;

/// <summary>
/// Bounded input buffering (docs/security.md): values that stop half way are held only within the input budget, which
/// is on by default; a value the budget cannot hold is refused with memcached's out-of-memory reply and skipped as it
/// arrives, and memory held for partial values goes back to the system when their connections close. Measured on a
/// moat child process, so its RSS is its own.
/// </summary>
public sealed class InputBudgetTests(ITestOutputHelper output)
{
    private const string OutOfMemory = "SERVER_ERROR out of memory storing object\r\n";
    private const int ValueBytes = 4_000_000;
    private const long MiB = 1024 * 1024;

    [Fact]
    public void Stalled_values_beyond_the_default_budget_are_refused_and_skipped_and_the_budget_comes_back()
    {
        // -m 64 -I 8m: the default budget is four largest requests, about 32 MiB, so about 8 values of 4 MB wait.
        using var moat = new MoatServer("-m", "64", "-I", "8m");
        var baseline = moat.ResidentBytes();
        var stalled = new List<Socket>();
        var refused = new List<int>();
        try
        {
            for (var i = 0; i < 40; i++)
            {
                var socket = HardeningWire.ConnectFrom("127.0.0.1", "127.0.0.1", moat.Port);
                SendAll(socket, Encoding.ASCII.GetBytes($"set stalled{i} 0 0 {ValueBytes}\r\n"));
                SendAll(socket, new byte[ValueBytes - 100_000]);
                stalled.Add(socket);
            }

            Thread.Sleep(1500);
            for (var i = 0; i < stalled.Count; i++)
            {
                if (TryReceive(stalled[i], 200) is { } reply)
                {
                    Assert.Equal(OutOfMemory, reply);
                    refused.Add(i);
                }
            }

            var growth = moat.ResidentBytes() - baseline;
            output.WriteLine($"40 stalled 4 MB values: {refused.Count} refused, RSS growth {growth / MiB} MiB");
            Assert.InRange(refused.Count, 28, 33);
            Assert.True(growth < 80 * MiB, $"RSS grew by {growth / MiB} MiB for partial values (budget about 32 MiB)");
            Assert.Equal(refused.Count, HardeningWire.Counter(moat.Port, "store_no_memory"));

            // A refused value is skipped as it arrives: the rest of it is not taken for commands, and the connection
            // goes on. A value that was held completes and is stored.
            var refusedSocket = stalled[refused[0]];
            SendAll(refusedSocket, new byte[100_000]);
            Assert.Equal("END\r\n", HardeningWire.Roundtrip(refusedSocket, "\r\nget stalled0x\r\n", "END\r\n"));
            var heldIndex = Enumerable.Range(0, stalled.Count).First(i => !refused.Contains(i));
            SendAll(stalled[heldIndex], new byte[100_000]);
            Assert.Equal("STORED\r\n", HardeningWire.Roundtrip(stalled[heldIndex], "\r\n"));
        }
        finally
        {
            foreach (var socket in stalled)
            {
                socket.Dispose();
            }
        }

        // Closing the connections gives their share back: a large value can be stored again.
        Thread.Sleep(500);
        using var writer = HardeningWire.ConnectFrom("127.0.0.1", "127.0.0.1", moat.Port);
        SendAll(writer, Encoding.ASCII.GetBytes($"set after 0 0 {ValueBytes}\r\n"));
        SendAll(writer, new byte[ValueBytes - 1]);
        Thread.Sleep(200);
        SendAll(writer, new byte[1]);
        Assert.Equal("STORED\r\n", HardeningWire.Roundtrip(writer, "\r\n"));
    }

    [Fact]
    public void Memory_of_partial_values_is_returned_when_their_connections_close()
    {
        // Unlimited budget (memcached's read_buf_mem_limit=0): 30 connections hold 3 MB each, then hang up.
        using var moat = new MoatServer("-m", "64", "-I", "4m", "-o", "read_buf_mem_limit=0");
        var baseline = moat.ResidentBytes();
        var stalled = new List<Socket>();
        for (var i = 0; i < 30; i++)
        {
            var socket = HardeningWire.ConnectFrom("127.0.0.1", "127.0.0.1", moat.Port);
            SendAll(socket, Encoding.ASCII.GetBytes($"set held{i} 0 0 3500000\r\n"));
            SendAll(socket, new byte[3_000_000]);
            stalled.Add(socket);
        }

        Thread.Sleep(1500);
        var held = moat.ResidentBytes() - baseline;
        foreach (var socket in stalled)
        {
            socket.Dispose();
        }

        Thread.Sleep(2000);
        var after = moat.ResidentBytes() - baseline;
        output.WriteLine($"30 x 3 MB partial values: RSS +{held / MiB} MiB while held, +{after / MiB} MiB after the connections closed");
        Assert.True(held > 60 * MiB, $"the partial values were not buffered (RSS +{held / MiB} MiB): the test measures nothing");
        Assert.True(after < 25 * MiB, $"RSS stayed {after / MiB} MiB above its baseline after every connection closed");
    }

    [Fact]
    public void Text_meta_and_binary_sets_refused_for_input_memory_answer_like_memcached_out_of_memory()
    {
        // A 1 MiB budget: a 2 MB value that arrives slowly cannot be held.
        using var moat = new MoatServer("-m", "64", "-I", "4m", "-o", "read_buf_mem_limit=1");
        using var client = HardeningWire.ConnectFrom("127.0.0.1", "127.0.0.1", moat.Port);
        Assert.Equal("STORED\r\n", HardeningWire.Roundtrip(client, "set text 0 0 3\r\nold\r\n"));
        Assert.Equal("STORED\r\n", HardeningWire.Roundtrip(client, "set kept 0 0 3\r\nold\r\n"));

        // Text set: refused, and (as memcached does for a set it cannot allocate) the old value goes.
        SendAll(client, Encoding.ASCII.GetBytes("set text 0 0 2000000\r\n"));
        Assert.Equal(OutOfMemory, TryReceive(client, 5000));
        SendAll(client, new byte[2_000_000]);
        Assert.Equal("END\r\n", HardeningWire.Roundtrip(client, "\r\nget text\r\n", "END\r\n"));

        // Text append: refused; the old value stays (memcached removes it only for set).
        SendAll(client, Encoding.ASCII.GetBytes("append kept 0 0 2000000 noreply\r\n"));
        Thread.Sleep(200);
        SendAll(client, new byte[2_000_000]);
        Assert.Equal("VALUE kept 0 3\r\nold\r\nEND\r\n", HardeningWire.Roundtrip(client, "\r\nget kept\r\n", "END\r\n"));

        // Meta ms: the same line, in any mode the old value goes.
        SendAll(client, Encoding.ASCII.GetBytes("ms kept 2000000 MA\r\n"));
        Assert.Equal(OutOfMemory, TryReceive(client, 5000));
        SendAll(client, new byte[2_000_000]);
        Assert.Equal("EN\r\n", HardeningWire.Roundtrip(client, "\r\nmg kept v\r\n"));

        // Binary SET: status 0x82 "Out of memory", the old value goes, and the value is skipped.
        using var binary = HardeningWire.ConnectFrom("127.0.0.1", "127.0.0.1", moat.Port);
        SendAll(binary, BinaryFrames.Request(0x01, "bin", BinaryFrames.StoreExtras(0, 0), "old"));
        Assert.Equal(0, Status(ReceiveFrame(binary)));
        var extras = BinaryFrames.StoreExtras(0, 0);
        SendAll(binary, BinaryFrames.Request(0x01, "bin", extras, bodyLength: (uint)(extras.Length + 3 + 2_000_000)));
        var refusal = ReceiveFrame(binary);
        Assert.Equal(0x82, Status(refusal));
        Assert.Equal("Out of memory", Encoding.ASCII.GetString(refusal, 24, refusal.Length - 24));
        SendAll(binary, new byte[2_000_000]);
        SendAll(binary, BinaryFrames.Request(0x00, "bin"));
        Assert.Equal(1, Status(ReceiveFrame(binary)));

        Assert.Equal(4, HardeningWire.Counter(moat.Port, "store_no_memory"));
    }

    private static int Status(byte[] frame) => BinaryPrimitives.ReadUInt16BigEndian(frame.AsSpan(6));

    private static byte[] ReceiveFrame(Socket socket)
    {
        socket.ReceiveTimeout = 10_000;
        var header = ReceiveExactly(socket, 24);
        var body = ReceiveExactly(socket, (int)BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(8)));
        return [.. header, .. body];
    }

    private static byte[] ReceiveExactly(Socket socket, int count)
    {
        var bytes = new byte[count];
        for (var read = 0; read < count;)
        {
            var n = socket.Receive(bytes, read, count - read, SocketFlags.None);
            Assert.True(n > 0, "the server closed the connection");
            read += n;
        }

        return bytes;
    }

    private static void SendAll(Socket socket, byte[] bytes)
    {
        socket.SendTimeout = 10_000;
        for (var sent = 0; sent < bytes.Length;)
        {
            sent += socket.Send(bytes, sent, bytes.Length - sent, SocketFlags.None);
        }
    }

    /// <summary>What the server sent within <paramref name="timeoutMs"/>, or null when it sent nothing.</summary>
    private static string? TryReceive(Socket socket, int timeoutMs)
    {
        if (!socket.Poll(timeoutMs * 1000, SelectMode.SelectRead))
        {
            return null;
        }

        var buffer = new byte[4096];
        var n = socket.Receive(buffer);
        return Encoding.ASCII.GetString(buffer, 0, n);
    }
}
