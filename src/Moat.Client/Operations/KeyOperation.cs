using System.Buffers;
using Moat.Client.Protocol;

namespace Moat.Client.Operations;

/// <summary>
/// delete / touch / invalidate. Meta: <c>md key</c>, <c>mg key T</c>, <c>md key I T</c>;
/// text: <c>delete key</c>, <c>touch key exptime</c> (the text protocol has no invalidate).
/// </summary>
internal sealed class KeyOperation : SingleLineOperation<bool>
{
    private KeyCommand _command;
    private long _exptime;
    private ulong? _compareCas;

    // compareCas (meta only): act only if the item's CAS still matches (md C).
    public static KeyOperation Create(bool meta, string? prefix, string key, KeyCommand command, long exptime, ulong? compareCas = null)
    {
        if (!meta && command == KeyCommand.Invalidate)
        {
            throw new NotSupportedException("Invalidate (md I) needs WireProtocol.Meta: the classic text protocol cannot mark items stale.");
        }

        var operation = OperationPool<KeyOperation>.Rent();
        operation.SetTarget(meta, prefix, key);
        operation._command = command;
        operation._exptime = exptime;
        operation._compareCas = meta ? compareCas : null;
        return operation;
    }

    protected override void ReturnToPool() => OperationPool<KeyOperation>.Return(this);

    public override string Name => (IsMeta, _command) switch
    {
        (true, KeyCommand.Touch) => "mg",
        (true, _) => "md",
        (false, KeyCommand.Touch) => "touch",
        _ => "delete",
    };

    public override void WriteRequest(IBufferWriter<byte> writer)
    {
        WireWriter.WriteUtf8(writer, Name);
        WireWriter.Write(writer, (byte)' ');
        WriteKey(writer);
        if (IsMeta)
        {
            if (_command == KeyCommand.Invalidate)
            {
                writer.Write(" I"u8);
            }

            if (_compareCas is { } cas)
            {
                writer.Write(" C"u8);
                WireWriter.WriteNumber(writer, cas);
            }

            if (_command != KeyCommand.Delete)
            {
                writer.Write(" T"u8);
                WireWriter.WriteNumber(writer, _exptime);
            }
        }
        else if (_command == KeyCommand.Touch)
        {
            WireWriter.Write(writer, (byte)' ');
            WireWriter.WriteNumber(writer, _exptime);
        }

        WireWriter.WriteCrLf(writer);
    }

    protected override bool TryInterpret(ResponseCode code, out bool found)
    {
        switch (code)
        {
            case ResponseCode.Hit:
            case ResponseCode.Deleted:
            case ResponseCode.Touched:
                found = true;
                return true;
            case ResponseCode.NotFound:
            case ResponseCode.Miss:
            case ResponseCode.Exists:
                found = false;
                return true;
            default:
                found = false;
                return false;
        }
    }
}
