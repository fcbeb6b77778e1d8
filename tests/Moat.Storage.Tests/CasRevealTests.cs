using System.Buffers;
using System.Text;

namespace Moat.Storage.Tests;

/// <summary>
/// Compaction keeps an item's CAS only when a client may know it: moving an item whose CAS was never sent (text get
/// and set) costs no extra bytes, while a CAS sent by gets, mg c or a binary reply keeps working after any move.
/// </summary>
public sealed class CasRevealTests
{
    private const int KeyCount = 4_000;

    private static readonly StoreRequest TextSet = new() { Mode = StoreMode.Set, CasNotReturned = true };

    private static readonly ReadRequest TextGet = new() { CasNotReturned = true };

    [Fact]
    public void Items_whose_CAS_was_never_sent_move_without_growing()
    {
        using var store = NewStore();
        for (var i = 0; i < KeyCount; i++)
        {
            Assert.Equal(StoreStatus.Stored, store.Store(Key(i), Value(i), TextSet, out _));
            Assert.Equal(ReadStatus.Hit, store.Read(Key(i), TextGet, new ArrayBufferWriter<byte>(), out _));
        }

        var casBefore = Enumerable.Range(0, KeyCount).Select(i => Read(store, i, TextGet).Cas).ToArray();
        var before = store.GetStatistics().Bytes;
        store.CompactNow();

        Assert.Equal(before, store.GetStatistics().Bytes);
        var moved = 0;
        for (var i = 0; i < KeyCount; i++)
        {
            var (_, cas, value) = Read(store, i, TextGet);
            Assert.Equal(Value(i), value);
            moved += cas != casBefore[i] ? 1 : 0;
        }

        // Only the items in the open segment stay where they are.
        Assert.True(moved > KeyCount * 3 / 4, $"{moved} of {KeyCount} items moved");
    }

    [Fact]
    public void A_CAS_sent_by_a_read_survives_compaction_and_costs_eight_bytes_per_item()
    {
        using var store = NewStore();
        for (var i = 0; i < KeyCount; i++)
        {
            Assert.Equal(StoreStatus.Stored, store.Store(Key(i), Value(i), TextSet, out _));
        }

        // gets on every other key: those CAS values are now in clients' hands.
        var sent = new Dictionary<int, ulong>();
        for (var i = 0; i < KeyCount; i += 2)
        {
            sent[i] = Read(store, i, ReadRequest.Get).Cas;
        }

        var before = store.GetStatistics().Bytes;
        store.CompactNow();

        // Every moved item that had its CAS sent stores it: 8 bytes more each (the open segment's items stay put).
        var grown = store.GetStatistics().Bytes - before;
        Assert.Equal(0, grown % 8);
        Assert.InRange(grown / 8, sent.Count * 3 / 4, sent.Count);
        foreach (var (i, cas) in sent)
        {
            Assert.Equal(cas, Read(store, i, ReadRequest.Get).Cas);
            var request = TextSet with { CompareCas = cas };
            Assert.Equal(StoreStatus.Stored, store.Store(Key(i), Value(i + 1), request, out _));
        }
    }

    [Fact]
    public void A_CAS_returned_by_a_store_survives_compaction()
    {
        using var store = NewStore();
        var returned = new ulong[KeyCount];
        for (var i = 0; i < KeyCount; i++)
        {
            // Binary set and meta ms c answer with the new CAS: the default request.
            Assert.Equal(StoreStatus.Stored, store.Store(Key(i), Value(i), new StoreRequest { Mode = StoreMode.Set }, out returned[i]));
        }

        store.CompactNow();

        for (var i = 0; i < KeyCount; i++)
        {
            Assert.Equal(returned[i], Read(store, i, TextGet).Cas);
        }
    }

    [Fact]
    public async Task Compaction_racing_gets_and_cas_never_invalidates_a_sent_CAS()
    {
        using var store = NewStore();
        for (var i = 0; i < KeyCount; i++)
        {
            Assert.Equal(StoreStatus.Stored, store.Store(Key(i), Value(i), TextSet, out _));
        }

        // The race runs until enough of it happened (on a loaded machine a fixed time may see only a few rounds), at
        // most 60 s.
        const int EnoughRounds = 20_000;
        const int EnoughCompactions = 20;
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        var compactions = 0;
        var rounds = new int[2];
        bool Enough() => Volatile.Read(ref compactions) >= EnoughCompactions
            && Volatile.Read(ref rounds[0]) >= EnoughRounds && Volatile.Read(ref rounds[1]) >= EnoughRounds;
        bool Go() => !Enough() && DateTime.UtcNow < deadline;
        var compactor = Task.Run(() =>
        {
            while (Go())
            {
                store.CompactNow();
                Interlocked.Increment(ref compactions);
            }
        });

        // Two clients on disjoint keys: each gets a CAS and writes with it (text cas, whose reply has no CAS, so the
        // new version is unrevealed until the next gets). Nobody else writes those keys, so every cas must store.
        var clients = Enumerable.Range(0, 2).Select(client => Task.Run(() =>
        {
            var random = new Random(client);
            while (Go())
            {
                var i = (random.Next(KeyCount / 2) * 2) + client;
                var (status, cas, _) = Read(store, i, ReadRequest.Get);
                Assert.Equal(ReadStatus.Hit, status);
                var request = TextSet with { CompareCas = cas };
                Assert.Equal(StoreStatus.Stored, store.Store(Key(i), Value(rounds[client]), request, out _));
                Interlocked.Increment(ref rounds[client]);
            }
        })).ToArray();

        await Task.WhenAll([compactor, .. clients]);
        Assert.True(Enough(), $"in 60 s only {compactions} compactions and {string.Join(" and ", rounds)} rounds ran");
    }

    private static SegmentCacheStore NewStore() => new(new CacheStoreOptions
    {
        MemoryLimitBytes = 8L << 20,
        MaxItemSize = 64 * 1024,
        SegmentSize = 64 * 1024,
        BackgroundSweep = false,
    });

    private static byte[] Key(int i) => Encoding.ASCII.GetBytes($"reveal-key-{i:D8}");

    private static byte[] Value(int i) => Encoding.ASCII.GetBytes($"value-{i}-{new string('v', 60)}");

    private static (ReadStatus Status, ulong Cas, byte[]? Value) Read(SegmentCacheStore store, int i, ReadRequest request)
    {
        var output = new ArrayBufferWriter<byte>();
        var status = store.Read(Key(i), request, output, out var metadata);
        return (status, metadata.Cas, status == ReadStatus.Miss ? null : output.WrittenSpan.ToArray());
    }
}
