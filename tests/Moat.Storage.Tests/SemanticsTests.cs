using static Moat.Storage.Tests.StoreTestExtensions;

namespace Moat.Storage.Tests;

/// <summary>memcached's semantics, command by command (protocol.txt and memcached 1.6.18's behaviour).</summary>
public sealed class SemanticsTests : IDisposable
{
    private readonly ManualClock _clock = new();
    private readonly SegmentCacheStore _store;

    public SemanticsTests()
    {
        _store = StoreFixture.Create(_clock);
    }

    public void Dispose() => _store.Dispose();

    [Fact]
    public void Set_then_get_returns_value_and_flags()
    {
        Assert.Equal(StoreStatus.Stored, _store.Set("k", "hello", flags: 42));
        var (status, value, metadata) = _store.Get("k");
        Assert.Equal(ReadStatus.Hit, status);
        Assert.Equal("hello", value);
        Assert.Equal(42u, metadata.ClientFlags);
        Assert.Equal(5, metadata.ValueLength);
        Assert.NotEqual(0UL, metadata.Cas);
        Assert.Equal(-1, metadata.RemainingTtl);
    }

    [Fact]
    public void Get_of_missing_key_misses()
    {
        Assert.Equal(ReadStatus.Miss, _store.Get("nope").Status);
    }

    [Fact]
    public void Set_overwrites_and_changes_cas()
    {
        _store.Set("k", "one");
        var first = _store.Get("k").Metadata.Cas;
        _store.Set("k", "two");
        var (_, value, metadata) = _store.Get("k");
        Assert.Equal("two", value);
        Assert.NotEqual(first, metadata.Cas);
        Assert.Equal(1, _store.GetStatistics().CurrentItems);
    }

    [Fact]
    public void Empty_values_are_stored()
    {
        _store.Set("k", "");
        var (status, value, _) = _store.Get("k");
        Assert.Equal(ReadStatus.Hit, status);
        Assert.Equal("", value);
    }

    [Fact]
    public void Add_only_when_absent()
    {
        Assert.Equal(StoreStatus.Stored, _store.Store("k", "a", new StoreRequest { Mode = StoreMode.Add }, out _));
        Assert.Equal(StoreStatus.NotStored, _store.Store("k", "b", new StoreRequest { Mode = StoreMode.Add }, out _));
        Assert.Equal("a", _store.GetString("k"));
    }

    [Fact]
    public void Replace_only_when_present()
    {
        Assert.Equal(StoreStatus.NotStored, _store.Store("k", "a", new StoreRequest { Mode = StoreMode.Replace }, out _));
        _store.Set("k", "a");
        Assert.Equal(StoreStatus.Stored, _store.Store("k", "b", new StoreRequest { Mode = StoreMode.Replace, ClientFlags = 7 }, out _));
        var (_, value, metadata) = _store.Get("k");
        Assert.Equal("b", value);
        Assert.Equal(7u, metadata.ClientFlags);
    }

    [Fact]
    public void Append_and_prepend_keep_flags_and_exptime()
    {
        Assert.Equal(StoreStatus.NotStored, _store.Store("k", "x", new StoreRequest { Mode = StoreMode.Append }, out _));
        _store.Set("k", "middle", flags: 5, exptime: 100);
        Assert.Equal(StoreStatus.Stored, _store.Store("k", ">", new StoreRequest { Mode = StoreMode.Append, ClientFlags = 9, Exptime = 0 }, out _));
        Assert.Equal(StoreStatus.Stored, _store.Store("k", "<", new StoreRequest { Mode = StoreMode.Prepend, ClientFlags = 9, Exptime = 0 }, out _));
        var (_, value, metadata) = _store.Get("k");
        Assert.Equal("<middle>", value);
        Assert.Equal(5u, metadata.ClientFlags);
        Assert.Equal(100, metadata.RemainingTtl);
    }

    [Fact]
    public void Cas_succeeds_once_then_exists_and_not_found_on_missing()
    {
        _store.Set("k", "v1");
        var cas = _store.Get("k").Metadata.Cas;
        Assert.Equal(StoreStatus.Stored, _store.Store("k", "v2", new StoreRequest { CompareCas = cas }, out var newCas));
        Assert.NotEqual(cas, newCas);
        Assert.Equal(newCas, _store.Get("k").Metadata.Cas);
        Assert.Equal(StoreStatus.Exists, _store.Store("k", "v3", new StoreRequest { CompareCas = cas }, out _));
        Assert.Equal("v2", _store.GetString("k"));
        Assert.Equal(StoreStatus.NotFound, _store.Store("missing", "v", new StoreRequest { CompareCas = 1 }, out _));
    }

    [Fact]
    public void Client_chosen_cas_is_kept()
    {
        Assert.Equal(StoreStatus.Stored, _store.Store("k", "v", new StoreRequest { ExplicitCas = 12345 }, out var cas));
        Assert.Equal(12345UL, cas);
        Assert.Equal(12345UL, _store.Get("k").Metadata.Cas);
        Assert.Equal(StoreStatus.Stored, _store.Store("k", "w", new StoreRequest { CompareCas = 12345 }, out _));
    }

    [Fact]
    public void Disabled_cas_reads_zero()
    {
        using var store = StoreFixture.Create(_clock, cas: false);
        store.Set("k", "v");
        Assert.Equal(0UL, store.Get("k").Metadata.Cas);
    }

    [Fact]
    public void Incr_and_decr_follow_memcached()
    {
        _store.Set("n", "10", flags: 3);
        Assert.Equal((ArithmeticStatus.Updated, 15UL), _store.Incr("n", 5));
        Assert.Equal((ArithmeticStatus.Updated, 0UL), _store.Decr("n", 100));
        _store.Set("max", ulong.MaxValue.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal((ArithmeticStatus.Updated, 1UL), _store.Incr("max", 2));
        Assert.Equal(ArithmeticStatus.NotFound, _store.Incr("missing", 1).Status);
        _store.Set("text", "abc");
        Assert.Equal(ArithmeticStatus.NonNumeric, _store.Incr("text", 1).Status);
        _store.Set("empty", "");
        Assert.Equal(ArithmeticStatus.NonNumeric, _store.Incr("empty", 1).Status);
        _store.Set("neg", "-5");
        Assert.Equal(ArithmeticStatus.NonNumeric, _store.Incr("neg", 1).Status);
        _store.Set("big", "99999999999999999999999");
        Assert.Equal(ArithmeticStatus.NonNumeric, _store.Incr("big", 1).Status);
        Assert.Equal(3u, _store.Get("n").Metadata.ClientFlags);
    }

    [Fact]
    public void Shorter_number_is_padded_with_spaces_like_memcached_in_place_update()
    {
        _store.Set("n", "100");
        _store.Decr("n", 1);
        Assert.Equal("99 ", _store.GetString("n"));
        Assert.Equal((ArithmeticStatus.Updated, 100UL), _store.Incr("n", 1));
        Assert.Equal("100", _store.GetString("n"));
        Assert.Equal((ArithmeticStatus.Updated, 1000UL), _store.Incr("n", 900));
        Assert.Equal("1000", _store.GetString("n"));
        _store.Set("t", "12 trailing");
        Assert.Equal((ArithmeticStatus.Updated, 13UL), _store.Incr("t", 1));
    }

    [Fact]
    public void Incr_keeps_exptime()
    {
        _store.Set("n", "1", exptime: 50);
        _clock.AdvanceSeconds(10);
        _store.Incr("n", 1);
        Assert.Equal(40, _store.Get("n").Metadata.RemainingTtl);
    }

    [Fact]
    public void Arithmetic_vivify_and_cas()
    {
        var (status, value) = _store.Arith("c", new ArithmeticRequest { Vivify = true, InitialValue = 7, Delta = 1 });
        Assert.Equal((ArithmeticStatus.Created, 7UL), (status, value));
        Assert.Equal("7", _store.GetString("c"));
        Assert.Equal(ArithmeticStatus.Exists, _store.Arith("c", new ArithmeticRequest { Delta = 1, CompareCas = 1 }).Status);
        var cas = _store.Get("c").Metadata.Cas;
        Assert.Equal((ArithmeticStatus.Updated, 8UL), _store.Arith("c", new ArithmeticRequest { Delta = 1, CompareCas = cas }));
    }

    [Fact]
    public void Delete_removes_and_honours_cas()
    {
        Assert.Equal(DeleteStatus.NotFound, _store.Delete("k"));
        _store.Set("k", "v");
        Assert.Equal(DeleteStatus.Exists, _store.Delete("k", new DeleteRequest { CompareCas = 1 }));
        Assert.Equal(DeleteStatus.Deleted, _store.Delete("k"));
        Assert.Equal(ReadStatus.Miss, _store.Get("k").Status);
        Assert.Equal(0, _store.GetStatistics().CurrentItems);
    }

    [Fact]
    public void Relative_ttl_expires_exactly()
    {
        _store.Set("k", "v", exptime: 10);
        _clock.AdvanceSeconds(9);
        Assert.Equal(ReadStatus.Hit, _store.Get("k").Status);
        _clock.AdvanceSeconds(1);
        Assert.Equal(ReadStatus.Miss, _store.Get("k").Status);
        Assert.Equal(1, _store.GetStatistics().GetExpired);
    }

    [Fact]
    public void Absolute_ttl_and_past_and_negative_exptimes()
    {
        var unix = (int)_clock.UnixSeconds;
        _store.Set("abs", "v", exptime: unix + 100);
        Assert.Equal(100, _store.Get("abs").Metadata.RemainingTtl);
        _store.Set("past", "v", exptime: unix - 100);
        Assert.Equal(ReadStatus.Miss, _store.Get("past").Status);
        _store.Set("k", "v");
        _store.Set("k", "gone", exptime: -1);
        Assert.Equal(ReadStatus.Miss, _store.Get("k").Status);
    }

    [Fact]
    public void Touch_and_gat_set_new_ttl()
    {
        Assert.False(_store.Touch(Bytes("missing"), 10));
        _store.Set("never", "v");
        Assert.True(_store.Touch(Bytes("never"), 10));
        var cas = _store.Get("never").Metadata.Cas;
        Assert.Equal(10, _store.Get("never").Metadata.RemainingTtl);
        _store.Set("ttl", "v", exptime: 5);
        var (status, value, metadata) = _store.Get("ttl", ReadRequest.GetAndTouch(100));
        Assert.Equal((ReadStatus.Hit, "v"), (status, value));
        Assert.Equal(100, metadata.RemainingTtl);
        Assert.True(_store.Touch(Bytes("never"), 0));
        Assert.Equal(cas, _store.Get("never").Metadata.Cas);
        _clock.AdvanceSeconds(50);
        Assert.Equal(ReadStatus.Hit, _store.Get("ttl").Status);
        _clock.AdvanceSeconds(100);
        Assert.Equal(ReadStatus.Hit, _store.Get("never").Status);
        Assert.Equal(ReadStatus.Miss, _store.Get("ttl").Status);
    }

    [Fact]
    public void Gat_on_item_without_expiry_field_keeps_cas()
    {
        _store.Set("k", "v");
        var cas = _store.Get("k").Metadata.Cas;
        var (_, value, metadata) = _store.Get("k", ReadRequest.GetAndTouch(30));
        Assert.Equal("v", value);
        Assert.Equal(30, metadata.RemainingTtl);
        Assert.Equal(cas, metadata.Cas);
    }

    [Fact]
    public void Flush_all_kills_everything_stored_before()
    {
        _store.Set("a", "1");
        _store.Set("b", "2");
        _store.FlushAll(0);
        Assert.Equal(ReadStatus.Miss, _store.Get("a").Status);
        Assert.Equal(StoreStatus.Stored, _store.Set("a", "3"));
        Assert.Equal("3", _store.GetString("a"));
        Assert.Equal(ReadStatus.Miss, _store.Get("b").Status);
        Assert.Equal(2, _store.GetStatistics().GetFlushed);
    }

    [Fact]
    public void Flush_all_with_delay_kills_items_stored_before_the_deadline()
    {
        _store.Set("early", "1");
        _store.FlushAll(10);
        _clock.AdvanceSeconds(5);
        _store.Set("later", "2");
        Assert.Equal("1", _store.GetString("early"));
        _clock.AdvanceSeconds(5);
        Assert.Equal(ReadStatus.Miss, _store.Get("early").Status);
        Assert.Equal(ReadStatus.Miss, _store.Get("later").Status);
        _store.Set("after", "3");
        Assert.Equal("3", _store.GetString("after"));
    }

    [Fact]
    public void Too_large_values_are_refused()
    {
        var big = new string('x', 64 * 1024);
        Assert.Equal(StoreStatus.TooLarge, _store.Set("k", big));
        Assert.Equal(1, _store.GetStatistics().StoreTooLarge);
        var fits = new string('x', (64 * 1024) - 100);
        Assert.Equal(StoreStatus.Stored, _store.Set("k", fits));
        Assert.Equal(fits, _store.GetString("k"));
    }

    [Fact]
    public void Item_size_limit_matches_memcached_to_the_byte()
    {
        // memcached 1.6.18 -I 1m with key "k": a 1,048,516-byte value is the largest it stores (48-byte header,
        // 8-byte CAS, key + NUL, value + CRLF); measured against /usr/bin/memcached.
        using var store = new SegmentCacheStore(new CacheStoreOptions { Clock = _clock, BackgroundSweep = false });
        Assert.Equal(StoreStatus.Stored, store.Set("k", new string('v', 1_048_516)));
        Assert.Equal(StoreStatus.TooLarge, store.Set("k", new string('v', 1_048_517)));
        Assert.Equal(StoreStatus.Stored, store.Set("k", "ab"));
        Assert.Equal(StoreStatus.NotStored, store.Store("k", new string('v', 1_048_515), new StoreRequest { Mode = StoreMode.Append }, out _));
        Assert.Equal("ab", store.GetString("k"));
    }

    [Fact]
    public void Without_eviction_a_full_store_answers_out_of_memory()
    {
        using var store = StoreFixture.Create(_clock, limit: 2L * 1024 * 1024, eviction: false);
        var value = new string('v', 1000);
        var status = StoreStatus.Stored;
        var stored = 0;
        for (var i = 0; i < 10_000 && status == StoreStatus.Stored; i++)
        {
            status = store.Set("key" + i, value);
            if (status == StoreStatus.Stored)
            {
                stored++;
            }
        }

        Assert.Equal(StoreStatus.OutOfMemory, status);
        Assert.True(stored > 1000);
        Assert.Equal(0, store.GetStatistics().Evictions);
        Assert.Equal("v", store.GetString("key0")![..1]);
        Assert.True(store.GetStatistics().StoreNoMemory > 0);
    }

    [Fact]
    public void Vivify_on_miss_creates_a_stub_and_wins_once()
    {
        var (status, value, metadata) = _store.Get("k", new ReadRequest { Vivify = true, VivifyExptime = 30 });
        Assert.Equal(ReadStatus.Vivified, status);
        Assert.Equal("", value);
        Assert.True(metadata.Win);
        var second = _store.Get("k", new ReadRequest { Vivify = true, VivifyExptime = 30 });
        Assert.Equal(ReadStatus.Hit, second.Status);
        Assert.False(second.Metadata.Win);
        Assert.True(second.Metadata.TokenAlreadySent);
        Assert.Equal(30, second.Metadata.RemainingTtl);
    }

    [Fact]
    public void Recache_threshold_hands_out_one_token()
    {
        _store.Set("k", "v", exptime: 20);
        var request = new ReadRequest { Recache = true, RecacheThreshold = 30 };
        var first = _store.Get("k", request);
        Assert.True(first.Metadata.Win);
        var second = _store.Get("k", request);
        Assert.False(second.Metadata.Win);
        Assert.True(second.Metadata.TokenAlreadySent);
        _store.Set("long", "v", exptime: 100);
        Assert.False(_store.Get("long", request).Metadata.Win);
    }

    [Fact]
    public void Invalidate_marks_stale_then_first_reader_wins()
    {
        _store.Set("k", "v", exptime: 100);
        var cas = _store.Get("k").Metadata.Cas;
        Assert.Equal(DeleteStatus.Deleted, _store.Delete("k", new DeleteRequest { Invalidate = true, UpdateExptime = true, Exptime = 30 }));
        var first = _store.Get("k");
        Assert.Equal("v", first.Value);
        Assert.True(first.Metadata.Stale);
        Assert.True(first.Metadata.Win);
        Assert.NotEqual(cas, first.Metadata.Cas);
        Assert.Equal(30, first.Metadata.RemainingTtl);
        var second = _store.Get("k");
        Assert.True(second.Metadata.Stale);
        Assert.False(second.Metadata.Win);
        Assert.True(second.Metadata.TokenAlreadySent);

        // A set with an older CAS and I stays stale; a plain set makes the item fresh again.
        Assert.Equal(StoreStatus.Stored, _store.Store("k", "old", new StoreRequest { CompareCas = cas, Invalidate = true }, out _));
        Assert.True(_store.Get("k").Metadata.Stale);
        _store.Set("k", "fresh");
        var fresh = _store.Get("k");
        Assert.False(fresh.Metadata.Stale);
        Assert.False(fresh.Metadata.TokenAlreadySent);
    }

    [Fact]
    public void Remove_value_only_keeps_the_item()
    {
        _store.Set("k", "value", flags: 4);
        Assert.Equal(DeleteStatus.Deleted, _store.Delete("k", new DeleteRequest { RemoveValueOnly = true }));
        var (status, value, metadata) = _store.Get("k");
        Assert.Equal(ReadStatus.Hit, status);
        Assert.Equal("", value);
        Assert.Equal(0u, metadata.ClientFlags);
    }

    [Fact]
    public void Fetched_and_last_access_are_reported()
    {
        _store.Set("k", "v");
        Assert.False(_store.Get("k").Metadata.FetchedBefore);
        Assert.True(_store.Get("k").Metadata.FetchedBefore);
        _clock.AdvanceSeconds(64);
        var metadata = _store.Get("k").Metadata;
        Assert.InRange(metadata.SecondsSinceLastAccess, 48u, 80u);
        Assert.InRange(_store.Get("k").Metadata.SecondsSinceLastAccess, 0u, 16u);
    }

    [Fact]
    public void No_bump_does_not_mark_fetched()
    {
        _store.Set("k", "v");
        _store.Get("k", new ReadRequest { NoBump = true });
        Assert.False(_store.Get("k").Metadata.FetchedBefore);
    }

    [Fact]
    public void Metadata_only_reads_skip_the_value()
    {
        _store.Set("k", "value");
        var (status, value, metadata) = _store.Get("k", new ReadRequest { MetadataOnly = true });
        Assert.Equal(ReadStatus.Hit, status);
        Assert.Equal("", value);
        Assert.Equal(5, metadata.ValueLength);
    }

    [Fact]
    public void Multi_segment_sequences_are_stored_whole()
    {
        var first = new TestSegment(Bytes("hello "));
        var last = first.Append(Bytes("world"));
        var sequence = new System.Buffers.ReadOnlySequence<byte>(first, 0, last, 5);
        Assert.Equal(StoreStatus.Stored, _store.Store(Bytes("k"), sequence, new StoreRequest(), out _));
        Assert.Equal("hello world", _store.GetString("k"));
    }

    [Fact]
    public void Large_values_round_trip()
    {
        var value = new string('z', 60_000);
        _store.Set("big", value);
        Assert.Equal(value, _store.GetString("big"));
    }

    [Fact]
    public void Current_time_counts_seconds_since_start()
    {
        Assert.Equal(0u, _store.CurrentTime);
        _clock.AdvanceSeconds(42);
        Assert.Equal(42u, _store.CurrentTime);
    }

    [Fact]
    public void Statistics_count_items_and_bytes()
    {
        _store.Set("a", "12345");
        _store.Set("b", "1");
        var statistics = _store.GetStatistics();
        Assert.Equal(2, statistics.CurrentItems);
        Assert.Equal(2, statistics.TotalItems);
        Assert.Equal((3 + 1 + 5) + (3 + 1 + 1), statistics.Bytes);
        Assert.Equal(8L * 1024 * 1024, statistics.LimitMaxBytes);
        Assert.True(statistics.TotalMalloced <= statistics.LimitMaxBytes);
        Assert.True(statistics.HashBytes > 0);
        _store.ResetStatistics();
        Assert.Equal(0, _store.GetStatistics().TotalItems);
        Assert.Equal(2, _store.GetStatistics().CurrentItems);
    }

    [Fact]
    public void Invalid_keys_are_rejected()
    {
        Assert.Throws<ArgumentException>(() => _store.Set("", "v"));
        Assert.Throws<ArgumentException>(() => _store.Set(new string('k', 251), "v"));
        Assert.Equal(StoreStatus.Stored, _store.Set(new string('k', 250), "v"));
    }
}
