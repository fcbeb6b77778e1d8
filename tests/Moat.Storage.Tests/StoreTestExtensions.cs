using System.Buffers;
using System.Text;

namespace Moat.Storage.Tests;

/// <summary>String-friendly wrappers so tests read like memcached sessions.</summary>
internal static class StoreTestExtensions
{
    public static byte[] Bytes(string text) => Encoding.ASCII.GetBytes(text);

    public static StoreStatus Set(this ICacheStore store, string key, string value, uint flags = 0, int exptime = 0) =>
        store.Store(Bytes(key), Bytes(value), new StoreRequest { Mode = StoreMode.Set, ClientFlags = flags, Exptime = exptime }, out _);

    public static StoreStatus Store(this ICacheStore store, string key, string value, StoreRequest request, out ulong cas) =>
        store.Store(Bytes(key), Bytes(value), request, out cas);

    public static string? GetString(this ICacheStore store, string key) => store.Get(key).Value;

    public static (ReadStatus Status, string? Value, ItemMetadata Metadata) Get(this ICacheStore store, string key, ReadRequest request = default)
    {
        var output = new ArrayBufferWriter<byte>();
        var status = store.Read(Bytes(key), request, output, out var metadata);
        return (status, status == ReadStatus.Miss ? null : Encoding.ASCII.GetString(output.WrittenSpan), metadata);
    }

    public static (ArithmeticStatus Status, ulong Value) Incr(this ICacheStore store, string key, ulong delta) =>
        Arith(store, key, new ArithmeticRequest { Delta = delta });

    public static (ArithmeticStatus Status, ulong Value) Decr(this ICacheStore store, string key, ulong delta) =>
        Arith(store, key, new ArithmeticRequest { Delta = delta, Decrement = true });

    public static (ArithmeticStatus Status, ulong Value) Arith(this ICacheStore store, string key, ArithmeticRequest request)
    {
        var status = store.Arithmetic(Bytes(key), request, out var value, out _);
        return (status, value);
    }

    public static DeleteStatus Delete(this ICacheStore store, string key, DeleteRequest request = default) =>
        store.Delete(Bytes(key), request);
}
