using System.Runtime.InteropServices;

namespace Moat.Defense.Cli;

/// <summary>
/// SIGINT/SIGTERM in live mode: signals the waiting thread so the report is written from what was
/// read so far. (Closing stdin would not help: a blocked read() is not interrupted by close.)
/// </summary>
internal sealed class LiveStop : IDisposable
{
    private readonly PosixSignalRegistration _interrupt;
    private readonly PosixSignalRegistration _terminate;

    public LiveStop()
    {
        _interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Handle);
        _terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Handle);
    }

    /// <summary>Set when a signal arrived.</summary>
    public ManualResetEventSlim Requested { get; } = new();

    public void Dispose()
    {
        _interrupt.Dispose();
        _terminate.Dispose();
        Requested.Dispose();
    }

    private void Handle(PosixSignalContext context)
    {
        context.Cancel = true;
        Requested.Set();
    }
}
