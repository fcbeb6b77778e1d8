using System.Globalization;

namespace Moat.Server.Configuration;

/// <summary>
/// The rest of memcached 1.6.18's -o suboptions (memcached.c and storage.c option parsing): those that change
/// Moat's behaviour are applied (LRU crawler, no_hashexpand, slab_sizes, no_chunked_items, track_sizes,
/// no_maxconns_fast, no_modern), the others are accepted with one notice line (printed on stderr at start) and
/// recorded for "stats settings". Values are checked as memcached checks them, with its messages.
/// docs/protocol-compatibility.md has the table.
/// </summary>
public static partial class MemcachedFlagParser
{
    private const string NoSegmentedLru = "moat has no segmented LRU (items are evicted by segment, docs/storage.md)";
    private const string NoSlabPages = "moat has no slab pages to move";
    private const string NoExtstore = "moat keeps every item in memory (no extstore)";
    private const string NoLogger = "moat has no per-thread logger buffers (watch lines go straight to each watcher's buffer)";

    static partial void RegisterCompatOptions(FlagExtensionTable table)
    {
        var options = table.ExtendedOptions;

        // Applied.
        options["lru_crawler"] = static (_, state) => Set(() => state.Options.LruCrawlerEnabled = true);
        options["no_lru_crawler"] = static (_, state) => Set(() => state.Options.LruCrawlerEnabled = false);
        options["lru_crawler_sleep"] = static (value, state) =>
            Missing("lru_crawler_sleep value", value)
                ?? ParseAtoi(value!, "lru_crawler_sleep", out var sleep)
                ?? (sleep is > 1_000_000 or < 0 ? FlagParseResult.Fail("ERROR: LRU crawler sleep must be between 0 and 1 second") : null)
                ?? Set(() => state.Options.LruCrawlerSleepMicroseconds = sleep);
        options["lru_crawler_tocrawl"] = static (value, state) =>
            Missing("lru_crawler_tocrawl value", value)
                ?? (TryParseUInt32(value!, out var tocrawl) ? Set(() => state.Options.LruCrawlerToCrawl = tocrawl) : FlagParseResult.Fail("ERROR: lru_crawler_tocrawl takes a numeric 32bit value"));
        options["no_hashexpand"] = static (_, state) => Set(() => state.Options.IndexGrowthEnabled = false);
        options["track_sizes"] = static (_, state) => Set(() => state.Options.TrackSizes = true);
        options["slab_sizes"] = static (value, state) =>
            Missing("slab_sizes argument", value) ?? Set(() => state.SlabSizesText = value);
        options["no_chunked_items"] = static (_, state) => Set(() => state.Chunk = MemcachedPageSize);
        options["no_maxconns_fast"] = static (_, state) => Set(() => state.Options.MaxConnectionsFast = false);
        options["no_modern"] = static (value, state) =>
        {
            // memcached's 1.4-era defaults: no chunked items, no slab mover, maxconns_fast off, no segmented LRU,
            // jenkins hash, no crawler or maintainer threads.
            if (!state.ChunkSet)
            {
                state.Chunk = MemcachedPageSize;
            }

            var m = state.Options.Memcached;
            m.SlabReassign = false;
            m.SlabAutomove = 0;
            m.HashAlgorithm = "jenkins";
            m.LruMaintainer = false;
            state.Options.MaxConnectionsFast = false;
            state.Options.LruCrawlerEnabled = false;
            return Notice(state, "no_modern", value, "applied: no chunked items, maxconns_fast off, LRU crawler off; slab mover, segmented LRU and jenkins hash have no meaning in moat");
        };

        // Recorded for "stats settings" only.
        options["modern"] = static (value, state) => Notice(state, "modern", value, "memcached 1.6.18 has no newer defaults to turn on either");
        options["slab_reassign"] = static (value, state) => Notice(state, "slab_reassign", value, NoSlabPages, () => state.Options.Memcached.SlabReassign = true);
        options["no_slab_reassign"] = static (value, state) => Notice(state, "no_slab_reassign", value, NoSlabPages, () => state.Options.Memcached.SlabReassign = false);
        options["no_slab_automove"] = static (value, state) => Notice(state, "no_slab_automove", value, NoSlabPages, () => state.Options.Memcached.SlabAutomove = 0);
        options["slab_automove"] = static (value, state) =>
        {
            var automove = 1;
            if (value is not null && ParseAtoi(value, "slab_automove", out automove) is { } error)
            {
                return error;
            }

            return automove is < 0 or > 2
                ? FlagParseResult.Fail("ERROR: slab_automove must be between 0 and 2")
                : Notice(state, "slab_automove", value, NoSlabPages, () => state.Options.Memcached.SlabAutomove = automove);
        };
        options["slab_automove_ratio"] = static (value, state) =>
            Missing("slab_automove_ratio argument", value)
                ?? ParseAtof(value!, "slab_automove_ratio", out var ratio)
                ?? (ratio is <= 0 or > 1 ? FlagParseResult.Fail("ERROR: slab_automove_ratio must be > 0 and < 1") : null)
                ?? Notice(state, "slab_automove_ratio", value, NoSlabPages, () => state.Options.Memcached.SlabAutomoveRatio = ratio);
        options["slab_automove_window"] = static (value, state) =>
            Missing("slab_automove_window argument", value)
                ?? ParseAtoi(value!, "slab_automove_window", out var window)
                ?? (window < 3 ? FlagParseResult.Fail("ERROR: slab_automove_window must be > 2") : null)
                ?? Notice(state, "slab_automove_window", value, NoSlabPages, () => state.Options.Memcached.SlabAutomoveWindow = (uint)window);
        options["slab_automove_freeratio"] = static (value, state) =>
            Missing("slab_automove_freeratio argument", value)
                ?? (double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var free)
                    ? Notice(state, "slab_automove_freeratio", value, NoSlabPages, () => state.Options.Memcached.SlabAutomoveFreeRatio = free)
                    : FlagParseResult.Fail("ERROR: could not parse argument to slab_automove_freeratio"));
        options["tail_repair_time"] = static (value, state) =>
            Missing("numeric argument for tail_repair_time", value)
                ?? ParseAtoi(value!, "tail_repair_time", out var seconds)
                ?? (seconds < 10 ? FlagParseResult.Fail("ERROR: Cannot set tail_repair_time to less than 10 seconds") : null)
                ?? Notice(state, "tail_repair_time", value, "moat never leaves items reference-locked", () => state.Options.Memcached.TailRepairTime = seconds);
        options["hash_algorithm"] = static (value, state) =>
            Missing("hash_algorithm argument", value)
                ?? (value is "jenkins" or "murmur3" or "xxh3"
                    ? Notice(state, "hash_algorithm", value, "moat's index hashes keys with seeded XXH64", () => state.Options.Memcached.HashAlgorithm = value)
                    : FlagParseResult.Fail("ERROR: Unknown hash_algorithm option (jenkins, murmur3, xxh3)"));
        options["lru_maintainer"] = static (value, state) => Notice(state, "lru_maintainer", value, NoSegmentedLru, () => state.Options.Memcached.LruMaintainer = true);
        options["no_lru_maintainer"] = static (value, state) => Notice(state, "no_lru_maintainer", value, NoSegmentedLru, () => state.Options.Memcached.LruMaintainer = false);
        options["hot_lru_pct"] = static (value, state) =>
            Missing("hot_lru_pct argument", value)
                ?? ParseAtoi(value!, "hot_lru_pct", out var percent)
                ?? (percent is < 1 or >= 80 ? FlagParseResult.Fail("ERROR: hot_lru_pct must be > 1 and < 80") : null)
                ?? Notice(state, "hot_lru_pct", value, NoSegmentedLru, () => state.Options.Memcached.HotLruPercent = percent);
        options["warm_lru_pct"] = static (value, state) =>
            Missing("warm_lru_pct argument", value)
                ?? ParseAtoi(value!, "warm_lru_pct", out var percent)
                ?? (percent is < 1 or >= 80 ? FlagParseResult.Fail("ERROR: warm_lru_pct must be > 1 and < 80") : null)
                ?? Notice(state, "warm_lru_pct", value, NoSegmentedLru, () => state.Options.Memcached.WarmLruPercent = percent);
        options["hot_max_factor"] = static (value, state) =>
            Missing("hot_max_factor argument", value)
                ?? ParseAtof(value!, "hot_max_factor", out var factor)
                ?? (factor <= 0 ? FlagParseResult.Fail("ERROR: hot_max_factor must be > 0") : null)
                ?? Notice(state, "hot_max_factor", value, NoSegmentedLru, () => state.Options.Memcached.HotMaxFactor = factor);
        options["warm_max_factor"] = static (value, state) =>
            Missing("warm_max_factor argument", value)
                ?? ParseAtof(value!, "warm_max_factor", out var factor)
                ?? (factor <= 0 ? FlagParseResult.Fail("ERROR: warm_max_factor must be > 0") : null)
                ?? Notice(state, "warm_max_factor", value, NoSegmentedLru, () => state.Options.Memcached.WarmMaxFactor = factor);
        options["temporary_ttl"] = static (value, state) =>
            Missing("temporary_ttl argument", value)
                ?? ParseAtoi(value!, "temporary_ttl", out var ttl)
                ?? Notice(state, "temporary_ttl", value, NoSegmentedLru, () =>
                {
                    state.Options.Memcached.TemporaryLru = true;
                    state.Options.Memcached.TemporaryTtl = (uint)ttl;
                });
        options["watcher_logbuf_size"] = static (value, state) =>
            Missing("watcher_logbuf_size argument", value)
                ?? (TryParseUInt32(value!, out var kilobytes)
                    ? Set(() => state.Options.Memcached.WatcherLogBufferSize = unchecked(kilobytes * 1024))
                    : FlagParseResult.Fail("ERROR: could not parse argument to watcher_logbuf_size"));
        options["worker_logbuf_size"] = static (value, state) => Kilobytes(state, "worker_logbuf_size", value, NoLogger, bytes => state.Options.Memcached.WorkerLogBufferSize = bytes);
        options["inline_ascii_resp"] = static (value, state) => Notice(state, "inline_ascii_resp", value, "memcached 1.6.18 ignores it too");
        options["no_inline_ascii_resp"] = static (value, state) => Notice(state, "no_inline_ascii_resp", value, "memcached 1.6.18 ignores it too");
        options["drop_privileges"] = static (value, state) => Notice(state, "drop_privileges", value, "moat installs no seccomp filter; run it as an unprivileged user (systemd User=)");
        options["no_drop_privileges"] = static (value, state) => Notice(state, "no_drop_privileges", value, "moat installs no seccomp filter");
        options["resp_obj_mem_limit"] = static (value, state) => Notice(state, "resp_obj_mem_limit", value, "DEPRECATED in memcached too: see read_buf_mem_limit");
        options["sock_cookie_id"] = static (value, state) => Notice(state, "sock_cookie_id", value, "moat does not mark its sockets (SO_MARK)");

        // extstore (storage.c): moat has none; the values are kept for stats settings as memcached prints them.
        options["ext_path"] = static (value, state) => Missing("argument to ext_path, ie: ext_path=/d/file:5G", value) ?? Notice(state, "ext_path", value, NoExtstore);
        options["ext_page_size"] = static (value, state) => UInt(state, "ext_page_size", value, NoExtstore, _ => { });
        options["ext_threads"] = static (value, state) => UInt(state, "ext_threads", value, NoExtstore, _ => { });
        options["ext_io_depth"] = static (value, state) => UInt(state, "ext_io_depth", value, NoExtstore, _ => { });
        options["ext_wbuf_size"] = static (value, state) => UInt(state, "ext_wbuf_size", value, NoExtstore, mb => state.Options.Memcached.ExtWriteBufferSize = unchecked(mb * 1024 * 1024));
        options["ext_item_size"] = static (value, state) => UInt(state, "ext_item_size", value, NoExtstore, n => state.Options.Memcached.ExtItemSize = n);
        options["ext_item_age"] = static (value, state) => UInt(state, "ext_item_age", value, NoExtstore, n => state.Options.Memcached.ExtItemAge = n);
        options["ext_low_ttl"] = static (value, state) => UInt(state, "ext_low_ttl", value, NoExtstore, n => state.Options.Memcached.ExtLowTtl = n);
        options["ext_recache_rate"] = static (value, state) => UInt(state, "ext_recache_rate", value, NoExtstore, n => state.Options.Memcached.ExtRecacheRate = n);
        options["ext_compact_under"] = static (value, state) => UInt(state, "ext_compact_under", value, NoExtstore, n => state.Options.Memcached.ExtCompactUnder = n);
        options["ext_drop_under"] = static (value, state) => UInt(state, "ext_drop_under", value, NoExtstore, n => state.Options.Memcached.ExtDropUnder = n);
        options["ext_max_sleep"] = static (value, state) => UInt(state, "ext_max_sleep", value, NoExtstore, n => state.Options.Memcached.ExtMaxSleep = n);
        options["ext_max_frag"] = static (value, state) =>
            Missing("ext_max_frag argument", value)
                ?? (double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var fragmentation)
                    ? Notice(state, "ext_max_frag", value, NoExtstore, () => state.Options.Memcached.ExtMaxFragmentation = fragmentation)
                    : FlagParseResult.Fail("ERROR: could not parse argument to ext_max_frag"));
        options["ext_drop_unread"] = static (value, state) => Notice(state, "ext_drop_unread", value, NoExtstore, () => state.Options.Memcached.ExtDropUnread = true);

        // TLS settings the platform's TLS stack decides for itself.
        options["ssl_keyformat"] = static (value, state) =>
            Missing("ssl_keyformat argument", value)
                ?? (int.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var format)
                    ? Notice(state, "ssl_keyformat", value, "keys are read as PEM", () => state.Options.Memcached.SslKeyFormat = format)
                    : FlagParseResult.Fail("ERROR: could not parse argument to ssl_keyformat"));
        options["ssl_ciphers"] = static (value, state) =>
            Missing("ssl_ciphers argument", value) ?? Notice(state, "ssl_ciphers", value, "TLS uses the platform's TLS 1.2/1.3 cipher suites", () => state.Options.Memcached.SslCiphers = value);
        options["ssl_wbuf_size"] = static (value, state) => Kilobytes(state, "ssl_wbuf_size", value, "TLS records are buffered by the platform", bytes => state.Options.Memcached.SslWriteBufferSize = bytes);
        options["ssl_session_cache"] = static (value, state) => Notice(state, "ssl_session_cache", value, "there is no server-side TLS session cache", () => state.Options.Memcached.SslSessionCache = true);
        options["ssl_kernel_tls"] = static (value, state) => Notice(state, "ssl_kernel_tls", value, "kernel TLS offload is not available", () => state.Options.Memcached.SslKernelTls = true);

        table.Validators.Add(ValidateCompat);
    }

    /// <summary>memcached's checks after all flags are read: slab_chunk_max against -I and the page, slab_sizes, the LRU percentages.</summary>
    private static FlagParseResult? ValidateCompat(FlagParseState state)
    {
        var o = state.Options;
        var m = o.Memcached;
        if (m.HotLruPercent + m.WarmLruPercent > 80)
        {
            return FlagParseResult.Fail("ERROR: hot_lru_pct + warm_lru_pct cannot be more than 80% combined");
        }

        if (m.TemporaryLru && !m.LruMaintainer)
        {
            return FlagParseResult.Fail("ERROR: temporary_ttl requires lru_maintainer to be enabled");
        }

        if (state.SlabSizesText is { } text)
        {
            var sizes = new List<int>();
            var last = 0u;
            foreach (var part in text.Split('-', StringSplitOptions.RemoveEmptyEntries))
            {
                if (!TryParseUInt32(part, out var size) || size < 48 || size > o.SlabChunkMax)
                {
                    return FlagParseResult.Fail(FormattableString.Invariant($"ERROR: slab size {size} is out of valid range"));
                }

                if (last >= size)
                {
                    return FlagParseResult.Fail(FormattableString.Invariant($"ERROR: slab size {size} cannot be lower than or equal to a previous class size"));
                }

                if (size <= last + 8)
                {
                    return FlagParseResult.Fail(FormattableString.Invariant($"ERROR: slab size {size} must be at least 8 bytes larger than previous class"));
                }

                sizes.Add((int)size);
                last = size;
                if (sizes.Count >= Moat.Storage.MemcachedSlabClasses.MaxClasses - 1)
                {
                    return FlagParseResult.Fail("ERROR: too many slab classes specified");
                }
            }

            if (sizes.Count == 0)
            {
                return FlagParseResult.Fail("ERROR: slab_sizes needs a list of sizes (slab_sizes=96-120-...)");
            }

            o.SlabSizes = sizes;
        }

        return null;
    }

    /// <summary>
    /// slab_chunk_max as memcached 1.6.18 ends up with it: given, or the page size (no_chunked_items, no_modern), reset
    /// to half a page when -I is above 1 MiB and none was given; then memcached's checks against -I and the page.
    /// Without any of these, the default is memcached's 512 KiB where memcached would accept -I, else the largest
    /// half of -I up to 512 KiB (Moat runs with -I values memcached refuses, such as 256k).
    /// </summary>
    private static FlagParseResult? ResolveSlabChunkMax(FlagParseState state)
    {
        var o = state.Options;
        const int HalfPage = MemcachedPageSize / 2;
        if (state.Chunk is not { } chunk)
        {
            o.SlabChunkMax = o.ItemSizeMax >= HalfPage && o.ItemSizeMax % HalfPage == 0 ? HalfPage : Math.Min(o.ItemSizeMax / 2, HalfPage);
            return null;
        }

        if (o.ItemSizeMax > MemcachedPageSize && !state.ChunkSet)
        {
            chunk = HalfPage;
        }

        if (chunk > o.ItemSizeMax)
        {
            return FlagParseResult.Fail(FormattableString.Invariant($"ERROR: slab_chunk_max (bytes: {chunk}) cannot be larger than -I (item_size_max {o.ItemSizeMax})"));
        }

        if (o.ItemSizeMax % chunk != 0)
        {
            return FlagParseResult.Fail(FormattableString.Invariant($"ERROR: -I (item_size_max: {o.ItemSizeMax}) must be evenly divisible by slab_chunk_max (bytes: {chunk})"));
        }

        if (MemcachedPageSize % chunk != 0)
        {
            return FlagParseResult.Fail(FormattableString.Invariant($"ERROR: slab_chunk_max (bytes: {chunk}) must divide evenly into {MemcachedPageSize} (slab_page_size)"));
        }

        if (chunk < 96)
        {
            // memcached 1.6.18 starts and then dies of a division by zero; refusing is kinder.
            return FlagParseResult.Fail(FormattableString.Invariant($"ERROR: slab_chunk_max (bytes: {chunk}) is smaller than the smallest slab class (96 bytes)"));
        }

        o.SlabChunkMax = chunk;
        return null;
    }

    private const int MemcachedPageSize = 1024 * 1024;

    /// <summary>Accepts an option that has no effect in Moat: one notice line, and the recorded value for stats settings.</summary>
    private static FlagParseResult? Notice(FlagParseState state, string name, string? value, string reason, Action? record = null)
    {
        record?.Invoke();
        var given = value is null ? name : $"{name}={value}";
        state.Options.Notices.Add($"NOTICE: -o {given} accepted: {reason}");
        return null;
    }

    /// <summary>memcached's "Missing ..." message when a suboption that needs a value has none.</summary>
    private static FlagParseResult? Missing(string what, string? value) =>
        value is null ? FlagParseResult.Fail($"ERROR: Missing {what}") : null;

    private static FlagParseResult? UInt(FlagParseState state, string name, string? value, string reason, Action<uint> record) =>
        Missing($"{name} argument", value)
            ?? (TryParseUInt32(value!, out var number)
                ? Notice(state, name, value, reason, () => record(number))
                : FlagParseResult.Fail($"ERROR: could not parse argument to {name}"));

    /// <summary>A size memcached takes in kilobytes and prints in bytes.</summary>
    private static FlagParseResult? Kilobytes(FlagParseState state, string name, string? value, string reason, Action<uint> record) =>
        UInt(state, name, value, reason, kilobytes => record(unchecked(kilobytes * 1024)));

    /// <summary>memcached's safe_strtoul: an unsigned decimal that fits 32 bits, nothing else on the line.</summary>
    private static bool TryParseUInt32(string text, out uint value) =>
        uint.TryParse(text.AsSpan().TrimStart(' '), NumberStyles.None, CultureInfo.InvariantCulture, out value);

    /// <summary>A signed decimal where memcached uses atoi (Moat refuses what atoi would read as 0 or cut short).</summary>
    private static FlagParseResult? ParseAtoi(string text, string name, out int value) =>
        int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value)
            ? null
            : FlagParseResult.Fail($"ERROR: could not parse argument to {name}");

    /// <summary>A decimal fraction where memcached uses atof.</summary>
    private static FlagParseResult? ParseAtof(string text, string name, out double value) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value)
            ? null
            : FlagParseResult.Fail($"ERROR: could not parse argument to {name}");
}
