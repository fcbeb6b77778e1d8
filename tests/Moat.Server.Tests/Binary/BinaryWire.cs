namespace Moat.Server.Tests.Binary;

/// <summary>Sends binary frames over a loopback socket (one send per frame) and collects the response bytes until quiet or closed.</summary>
internal static class BinaryWire
{
    public static WireClient.BytesExchange Send(int port, IEnumerable<byte[]> frames, int quietMs = 300, int firstByteMs = 3000) =>
        WireClient.SendBytes(port, frames.Select(frame => (ReadOnlyMemory<byte>)frame), quietMs: quietMs, firstByteMs: firstByteMs);
}
