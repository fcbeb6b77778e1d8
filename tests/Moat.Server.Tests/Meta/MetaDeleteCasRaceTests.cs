using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Moat.Server.Tests.Infrastructure;

namespace Moat.Server.Tests.Meta;

/// <summary>
/// md C over real connections while other connections rewrite the key: writers store a doomed version (CAS 0 via
/// ms E0, or an ordinary CAS), publish its CAS, overwrite it with a keeper and read the keeper back; deleters send
/// md C with the last published CAS. The keeper's CAS differs from every published one, so no md may remove it.
/// Before the compare moved into the store, md C0 checked the CAS and deleted in a second call, and a keeper
/// written in between was lost.
/// </summary>
public sealed class MetaDeleteCasRaceTests
{
    private const int Writers = 3;
    private const int Deleters = 3;
    private const int DeletesPerKeyAndBatch = 8;

    [Fact]
    public void Md_with_a_cas_never_deletes_a_version_written_after_the_compare()
    {
        using var server = new MoatServerFixture();
        var published = new string[Writers];
        Array.Fill(published, "0");
        var keeperLosses = 0;
        var doomedDeleted = 0;
        var writersDone = 0;
        var deadline = Environment.TickCount64 + 4_000;
        var errors = new System.Collections.Concurrent.ConcurrentQueue<Exception>();
        var threads = new List<Thread>();
        for (var writer = 0; writer < Writers; writer++)
        {
            var index = writer;
            threads.Add(new Thread(() => Guard(errors, () =>
            {
                using var connection = new LineConnection(server.Port);
                try
                {
                    var keeperAndRead = $"ms race{index} 6 c\r\nkeeper\r\nmg race{index} c\r\n";
                    for (var round = 0; Environment.TickCount64 < deadline; round++)
                    {
                        string[] replies;
                        if (round % 4 == 0)
                        {
                            Volatile.Write(ref published[index], CasOf(connection.Request($"ms race{index} 6 c\r\ndoomed\r\n")[0]));
                            replies = connection.Request(keeperAndRead, lines: 2);
                        }
                        else
                        {
                            // A CAS-0 version is known before it is written, so the keeper can follow it in the same
                            // packet: the overwrite lands as close as possible to a concurrent md C0.
                            Volatile.Write(ref published[index], "0");
                            replies = connection.Request($"ms race{index} 6 E0\r\ndoomed\r\n" + keeperAndRead, lines: 3)[1..];
                        }

                        if (replies[1] != $"HD c{CasOf(replies[0])}")
                        {
                            Interlocked.Increment(ref keeperLosses);
                        }
                    }
                }
                finally
                {
                    Interlocked.Increment(ref writersDone);
                }
            })));
        }

        for (var deleter = 0; deleter < Deleters; deleter++)
        {
            threads.Add(new Thread(() => Guard(errors, () =>
            {
                using var connection = new LineConnection(server.Port);
                var batch = new StringBuilder();
                while (Volatile.Read(ref writersDone) < Writers)
                {
                    batch.Clear();
                    for (var repeat = 0; repeat < DeletesPerKeyAndBatch; repeat++)
                    {
                        for (var i = 0; i < Writers; i++)
                        {
                            batch.Append(CultureInfo.InvariantCulture, $"md race{i} C{Volatile.Read(ref published[i])}\r\n");
                        }
                    }

                    foreach (var reply in connection.Request(batch.ToString(), lines: DeletesPerKeyAndBatch * Writers))
                    {
                        Assert.True(reply is "HD" or "EX" or "NF", reply);
                        if (reply == "HD")
                        {
                            Interlocked.Increment(ref doomedDeleted);
                        }
                    }
                }
            })));
        }

        threads.ForEach(thread => thread.Start());
        Assert.All(threads, thread => Assert.True(thread.Join(TimeSpan.FromSeconds(20)), "a connection thread did not finish"));
        Assert.True(errors.IsEmpty, string.Join(Environment.NewLine, errors));
        Assert.Equal(0, keeperLosses);
        Assert.True(doomedDeleted > 0, "no doomed version was ever deleted: the race was not exercised");
    }

    private static string CasOf(string reply)
    {
        Assert.StartsWith("HD c", reply, StringComparison.Ordinal);
        return ulong.Parse(reply.AsSpan(4), CultureInfo.InvariantCulture).ToString(CultureInfo.InvariantCulture);
    }

    private static void Guard(System.Collections.Concurrent.ConcurrentQueue<Exception> errors, Action body)
    {
        try
        {
            body();
        }
        catch (Exception error)
        {
            errors.Enqueue(error);
        }
    }

    /// <summary>One persistent connection; every command sent is answered by one line.</summary>
    private sealed class LineConnection : IDisposable
    {
        private readonly Socket _socket;
        private readonly StreamReader _reader;

        public LineConnection(int port)
        {
            _socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true, ReceiveTimeout = 10_000 };
            _socket.Connect(IPAddress.Loopback, port);
            _reader = new StreamReader(new NetworkStream(_socket), Encoding.Latin1);
        }

        /// <summary>Sends <paramref name="request"/> in one write and reads <paramref name="lines"/> reply lines.</summary>
        public string[] Request(string request, int lines = 1)
        {
            _socket.Send(Encoding.Latin1.GetBytes(request));
            var replies = new string[lines];
            for (var i = 0; i < lines; i++)
            {
                replies[i] = _reader.ReadLine() ?? throw new IOException("the server closed the connection");
            }

            return replies;
        }

        public void Dispose()
        {
            _reader.Dispose();
            _socket.Dispose();
        }
    }
}
