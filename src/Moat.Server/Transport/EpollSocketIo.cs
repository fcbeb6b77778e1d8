using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Moat.Server.Transport;

/// <summary>
/// What the event loop knows of one connection: its descriptor, and the input and output waiting on it. Readiness
/// is tracked with counters rather than flags: every event bumps a counter, and a side that found the socket
/// drained (a short receive, or EAGAIN) remembers the counter value it saw, so an event that lands during the
/// syscall is never lost.
/// </summary>
internal sealed class EpollSocketIo(Socket socket, EpollLoop loop)
{
    private int _registered;

    public int Fd { get; } = (int)socket.Handle;

    public Socket Socket { get; } = socket;

    public EpollLoop Loop { get; } = loop;

    /// <summary>Set by the loop on registration; freed by the loop after unregistration.</summary>
    public GCHandle LoopHandle { get; set; }

    public long ReadEvents;

    public long WriteEvents;

    /// <summary>
    /// Set once the peer half-closed or the socket failed. Edge-triggered epoll reports that once, possibly together
    /// with the last data, so after it a drained-looking socket must still be read to see the end.
    /// </summary>
    public volatile bool HungUp;

    public SocketInput? Input { get; set; }

    public SocketOutput? Output { get; set; }

    /// <summary>Registers with the loop on first use (after the connection middleware: a refused peer never is).</summary>
    public void EnsureRegistered()
    {
        if (Interlocked.Exchange(ref _registered, 1) == 0)
        {
            Socket.Blocking = false;
            Loop.Register(this);
        }
    }

    /// <summary>Called once the handler is done, before the socket closes.</summary>
    public void Unregister()
    {
        if (Volatile.Read(ref _registered) == 1)
        {
            Loop.Unregister(this);
        }
    }

    /// <summary>On the loop thread: wake whichever side waits.</summary>
    public void OnEvents(uint events)
    {
        if ((events & (LinuxNative.EpollRdHup | LinuxNative.EpollHup | LinuxNative.EpollErr)) != 0)
        {
            HungUp = true;
        }

        if ((events & (LinuxNative.EpollIn | LinuxNative.EpollRdHup | LinuxNative.EpollHup | LinuxNative.EpollErr)) != 0)
        {
            // Only the loop thread writes the counters; the CAS in OnReadable/OnWritable orders this store.
            Volatile.Write(ref ReadEvents, ReadEvents + 1);
            Input?.OnReadable();
        }

        if ((events & (LinuxNative.EpollOut | LinuxNative.EpollHup | LinuxNative.EpollErr)) != 0)
        {
            Volatile.Write(ref WriteEvents, WriteEvents + 1);
            Output?.OnWritable();
        }
    }
}
