using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using static Moat.Server.Transport.LinuxNative;

namespace Moat.Server.Transport;

/// <summary>
/// One event-loop thread over one epoll instance, as a memcached worker thread is: it sleeps in epoll_wait and, for
/// each ready connection, completes the read or send that connection's handler is waiting for, running the handler
/// inline. Sockets are registered edge-triggered for input and output once; a connection never receives
/// speculatively, so between requests the thread goes back to epoll_wait instead of trying a receive.
/// </summary>
internal sealed class EpollLoop : IDisposable
{
    private const int MaxEvents = 256;

    private readonly int _epoll;
    private readonly int _wakeup;
    private readonly Thread _thread;
    private readonly LinuxNative.EpollEvent[] _events = new LinuxNative.EpollEvent[MaxEvents];
    private readonly ConcurrentQueue<GCHandle> _released = new();
    private readonly Lock _gate = new();
    private volatile bool _stopping;
    private bool _closed;

    public EpollLoop(int index)
    {
        _epoll = epoll_create1(EpollCloexec);
        _wakeup = eventfd(0, EfdCloexec);
        if (_epoll < 0 || _wakeup < 0)
        {
            throw new InvalidOperationException($"epoll/eventfd failed (errno {Marshal.GetLastPInvokeError()}).");
        }

        var wake = new LinuxNative.EpollEvent { Events = EpollIn, Data = 0 };
        if (epoll_ctl(_epoll, EpollCtlAdd, _wakeup, ref wake) != 0)
        {
            throw new InvalidOperationException($"epoll_ctl failed (errno {Marshal.GetLastPInvokeError()}).");
        }

        _thread = new Thread(Run) { IsBackground = true, Name = "moat epoll " + index.ToString(System.Globalization.CultureInfo.InvariantCulture) };
        _thread.Start();
    }

    /// <summary>Adds a connection's socket; its events go to <see cref="EpollSocketIo.OnEvents"/> from now on.</summary>
    public void Register(EpollSocketIo io)
    {
        using var scope = _gate.EnterScope();
        ObjectDisposedException.ThrowIf(_closed, this);
        var handle = GCHandle.Alloc(io);
        io.LoopHandle = handle;
        var registration = new LinuxNative.EpollEvent
        {
            Events = EpollIn | EpollOut | EpollRdHup | EpollEdgeTriggered,
            Data = (ulong)GCHandle.ToIntPtr(handle),
        };
        if (epoll_ctl(_epoll, EpollCtlAdd, io.Fd, ref registration) != 0)
        {
            handle.Free();
            io.LoopHandle = default;
            throw new IOException($"epoll_ctl ADD failed (errno {Marshal.GetLastPInvokeError()}).");
        }
    }

    /// <summary>
    /// Removes a connection's socket before it is closed. Its handle is freed only after the loop's current batch,
    /// which may still hold an event for it.
    /// </summary>
    public void Unregister(EpollSocketIo io)
    {
        using var scope = _gate.EnterScope();
        if (!io.LoopHandle.IsAllocated)
        {
            return;
        }

        if (_closed)
        {
            // The loop has stopped and closed its descriptors (whose numbers may belong to new sockets by now):
            // no event can name this handle any more.
            io.LoopHandle.Free();
            io.LoopHandle = default;
            return;
        }

        var none = default(LinuxNative.EpollEvent);
        // Failure means the descriptor is already gone from the set (closed early): nothing left to remove.
        _ = epoll_ctl(_epoll, EpollCtlDel, io.Fd, ref none);
        _released.Enqueue(io.LoopHandle);
        io.LoopHandle = default;
        Wake();
    }

    public void Dispose()
    {
        using var scope = _gate.EnterScope();
        if (!_closed)
        {
            _stopping = true;
            Wake();
        }
    }

    private void Wake()
    {
        ulong one = 1;
        write(_wakeup, ref one, sizeof(ulong));
    }

    private void Run()
    {
        while (!_stopping)
        {
            var count = epoll_wait(_epoll, _events, MaxEvents, -1);
            if (count < 0)
            {
                if (Marshal.GetLastPInvokeError() == ErrnoInterrupted)
                {
                    continue;
                }

                break;
            }

            for (var i = 0; i < count; i++)
            {
                var data = _events[i].Data;
                if (data == 0)
                {
                    DrainWakeup();
                    continue;
                }

                if (GCHandle.FromIntPtr((nint)data).Target is EpollSocketIo io)
                {
                    io.OnEvents(_events[i].Events);
                }
            }

            while (_released.TryDequeue(out var handle))
            {
                handle.Free();
            }
        }

        // Under the gate: Register, Unregister and Wake never use these descriptor numbers once they are closed.
        using var scope = _gate.EnterScope();
        _closed = true;
        _ = close(_epoll);
        _ = close(_wakeup);
        while (_released.TryDequeue(out var handle))
        {
            handle.Free();
        }
    }

    private void DrainWakeup()
    {
        ulong value = 0;
        _ = LinuxNative.read(_wakeup, ref value, sizeof(ulong));
    }
}
