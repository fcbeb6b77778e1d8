using System.Buffers;
using Moat.Client.Protocol;

namespace Moat.Client.Operations;

/// <summary>
/// An operation on one key (get, store, delete, touch, arithmetic): holds the protocol choice and the key, and
/// clears them before the pooled object is reused so a recycled operation never keeps a caller's strings alive.
/// </summary>
internal abstract class KeyedOperation<T> : Operation<T>
{
    protected bool IsMeta { get; private set; }

    protected string? Prefix { get; private set; }

    protected string Key { get; private set; } = string.Empty;

    protected void SetTarget(bool meta, string? prefix, string key)
    {
        IsMeta = meta;
        Prefix = prefix;
        Key = key;
    }

    /// <summary>The key on the wire: prefix + key.</summary>
    protected void WriteKey(IBufferWriter<byte> writer) => WireWriter.WriteKey(writer, Prefix, Key);

    protected sealed override void Recycle()
    {
        ClearRequest();
        Prefix = null;
        Key = string.Empty;
        ReturnToPool();
    }

    /// <summary>Drops the subclass's references (serializers, buffers) before reuse.</summary>
    protected virtual void ClearRequest()
    {
    }

    /// <summary>Returns the object to its type's <see cref="OperationPool{TOperation}"/>.</summary>
    protected abstract void ReturnToPool();
}
