using static Moat.Storage.Tests.StoreTestExtensions;

namespace Moat.Storage.Tests;

/// <summary>
/// md C: the CAS compare and the delete are one store operation, so a write landing between them cannot be deleted;
/// CompareZeroCas makes C0 a real compare (only a CAS-0 item matches) instead of "no comparison".
/// </summary>
public sealed class DeleteCompareCasTests : IDisposable
{
    private readonly SegmentCacheStore _store = StoreFixture.Create(new ManualClock());

    public void Dispose() => _store.Dispose();

    [Fact]
    public void Compare_zero_matches_only_an_item_whose_cas_is_zero()
    {
        Assert.Equal(StoreStatus.Stored, _store.Store("k", "v", default, out var cas));
        Assert.NotEqual(0UL, cas);
        var compareZero = new DeleteRequest { CompareCas = 0, CompareZeroCas = true };
        Assert.Equal(DeleteStatus.Exists, _store.Delete("k", compareZero));
        Assert.Equal(cas, _store.Get("k").Metadata.Cas);

        Assert.Equal(StoreStatus.Stored, _store.Store("k", "w", new StoreRequest { ExplicitCas = 0 }, out _));
        Assert.Equal(DeleteStatus.Deleted, _store.Delete("k", compareZero));
        Assert.Equal(ReadStatus.Miss, _store.Get("k").Status);
        Assert.Equal(DeleteStatus.NotFound, _store.Delete("k", compareZero));
    }

    [Fact]
    public void Without_compare_zero_a_zero_compare_value_means_no_comparison()
    {
        Assert.Equal(StoreStatus.Stored, _store.Store("k", "v", default, out _));
        Assert.Equal(DeleteStatus.Deleted, _store.Delete("k", new DeleteRequest { CompareCas = 0 }));
    }

    [Fact]
    public void Compare_zero_applies_to_invalidate_and_remove_value_only()
    {
        Assert.Equal(StoreStatus.Stored, _store.Store("k", "v", default, out var cas));
        Assert.Equal(DeleteStatus.Exists, _store.Delete("k", new DeleteRequest { CompareZeroCas = true, Invalidate = true }));
        Assert.Equal(DeleteStatus.Exists, _store.Delete("k", new DeleteRequest { CompareZeroCas = true, RemoveValueOnly = true }));
        var item = _store.Get("k");
        Assert.Equal(("v", cas), (item.Value, item.Metadata.Cas));
    }

    /// <summary>
    /// Each writer owns one key: it stores a doomed version (CAS 0 via ExplicitCas, or an ordinary CAS) and publishes
    /// that CAS, then overwrites it with a keeper and checks the keeper is still there. Deleters keep deleting every
    /// key at the last published CAS; a keeper never has that CAS, so it must never disappear.
    /// </summary>
    [Fact]
    public void A_compare_and_delete_never_removes_a_version_with_another_cas()
    {
        const int writers = 3;
        const int deleters = 2;
        const int rounds = 20_000;
        var published = new long[writers];
        var keeperLosses = 0;
        var doomedDeleted = 0L;
        var writersDone = 0;
        var deadline = Environment.TickCount64 + 20_000;
        var errors = new System.Collections.Concurrent.ConcurrentQueue<Exception>();
        var threads = new List<Thread>();
        for (var writer = 0; writer < writers; writer++)
        {
            var index = writer;
            threads.Add(new Thread(() => Guard(errors, () =>
            {
                var key = Bytes("key" + index);
                try
                {
                    for (var round = 0; round < rounds && Environment.TickCount64 < deadline; round++)
                    {
                        var doomed = round % 2 == 0 ? new StoreRequest { ExplicitCas = 0 } : default;
                        _store.Store(key, Bytes("doomed"), doomed, out var doomedCas);
                        Volatile.Write(ref published[index], (long)doomedCas);
                        Thread.SpinWait(round % 64);
                        _store.Store(key, Bytes("keeper"), default, out var keeperCas);
                        var output = new System.Buffers.ArrayBufferWriter<byte>();
                        if (_store.Read(key, default, output, out var metadata) != ReadStatus.Hit || metadata.Cas != keeperCas)
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

        for (var deleter = 0; deleter < deleters; deleter++)
        {
            threads.Add(new Thread(() => Guard(errors, () =>
            {
                var keys = Enumerable.Range(0, writers).Select(i => Bytes("key" + i)).ToArray();
                while (Volatile.Read(ref writersDone) < writers)
                {
                    for (var i = 0; i < writers; i++)
                    {
                        var request = new DeleteRequest { CompareCas = (ulong)Volatile.Read(ref published[i]), CompareZeroCas = true };
                        if (_store.Delete(keys[i], request) == DeleteStatus.Deleted)
                        {
                            Interlocked.Increment(ref doomedDeleted);
                        }
                    }
                }
            })));
        }

        threads.ForEach(thread => thread.Start());
        Assert.All(threads, thread => Assert.True(thread.Join(TimeSpan.FromSeconds(30)), "a worker did not finish"));
        Assert.True(errors.IsEmpty, string.Join(Environment.NewLine, errors));
        Assert.Equal(0, keeperLosses);
        Assert.True(Interlocked.Read(ref doomedDeleted) > 0, "no doomed version was ever deleted: the race was not exercised");
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
}
