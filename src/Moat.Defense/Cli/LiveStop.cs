using System.Runtime.InteropServices;

namespace Moat.Defense.Cli;

/// <summary>SIGINT/SIGTERM in live mode: close the input so the read loop ends and the report is written.</summary>
internal sealed class LiveStop : IDisposable
{
    private readonly Stream _stream;
    private readonly PosixSignalRegistration _interrupt;
    private readonly PosixSignalRegistration _terminate;

    public LiveStop(Stream stream)
    {
        _stream = stream;
        _interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Handle);
        _terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Handle);
    }

    public bool Stopped { get; private set; }

    public void Dispose()
    {
        _interrupt.Dispose();
        _terminate.Dispose();
    }

    private void Handle(PosixSignalContext context)
    {
        context.Cancel = true;
        Stopped = true;
        _stream.Dispose();
    }
}
