using System.Buffers;
using System.Text;
using Moat.Protocol;
using Moat.Protocol.Text;
using Moat.Server.Configuration;
using Moat.Server.Statistics;

namespace Moat.Server.Reporting;

/// <summary>
/// Answers the "stats" family with memcached's names and formats (what memcached_exporter, memcached-tool and
/// memcstat parse). Stats are rare, so this code favours clarity over the zero-allocation rules of the data path.
/// </summary>
internal sealed class StatsReporter(MoatServerContext context)
{
    private static readonly byte[] VersionBytes = Encoding.ASCII.GetBytes(MoatServerContext.CompatibleVersion);

    /// <summary>The "libevent" line: the .NET runtime Moat's event loops run on (no spaces, as stats values have none).</summary>
    private static readonly byte[] RuntimeBytes = Encoding.ASCII.GetBytes("dotnet-" + Environment.Version.ToString());

    /// <summary>The peer asking (null when not a network connection); key dumps are for loopback peers unless -o dump_remote.</summary>
    public System.Net.IPAddress? Peer { get; init; }

    private bool PeerMayDump => Hardening.DumpPolicy.AllowsPeer(Peer, context.Options.DumpRemote);

    /// <summary>Dispatches "stats [args]" given the command's tokens.</summary>
    public void Execute(in TextTokens tokens, IBufferWriter<byte> output)
    {
        if (tokens.Count == 1)
        {
            WriteGeneral(output);
            TextResponseWriter.Write(output, TextReply.End);
            return;
        }

        var group = tokens[1];
        if (group.SequenceEqual("reset"u8))
        {
            context.Statistics.Reset();
            context.Store.ResetStatistics();
            context.Crawler.ResetCounters();
            context.Executor.ClassCommands.Reset();
            context.Auth?.Counters.Reset();
            Interlocked.Exchange(ref context.UdpTokensIssuedTcp, 0);
            TextResponseWriter.Write(output, TextReply.Reset);
        }
        else if (group.SequenceEqual("detail"u8))
        {
            ExecuteDetail(tokens, output);
        }
        else if (group.SequenceEqual("settings"u8))
        {
            WriteSettings(output);
            TextResponseWriter.Write(output, TextReply.End);
        }
        else if (group.SequenceEqual("cachedump"u8))
        {
            ExecuteCachedump(tokens, output);
        }
        else if (group.SequenceEqual("conns"u8))
        {
            WriteConnections(output);
            TextResponseWriter.Write(output, TextReply.End);
        }
        else if (group.SequenceEqual("items"u8))
        {
            SlabStatsWriter.WriteItems(context, output);
            TextResponseWriter.Write(output, TextReply.End);
        }
        else if (group.SequenceEqual("slabs"u8))
        {
            SlabStatsWriter.WriteSlabs(context, output);
            TextResponseWriter.Write(output, TextReply.End);
        }
        else if (group.SequenceEqual("udp"u8) && context.UdpCounters is { } udp)
        {
            WriteUdpTopLists(udp, output);
            TextResponseWriter.Write(output, TextReply.End);
        }
        else if (group.SequenceEqual("sizes"u8))
        {
            TextResponseWriter.WriteStat(output, "sizes_status"u8, "disabled"u8);
            TextResponseWriter.Write(output, TextReply.End);
        }
        else
        {
            TextResponseWriter.Write(output, TextReply.Error);
        }
    }

    /// <summary>
    /// "stats udp": the guard counters, then the 20 source addresses and the 20 prefixes with the most dropped
    /// requests in the last five minutes, most first, as "STAT udp_dropped_source:ADDRESS COUNT" and
    /// "STAT udp_dropped_prefix:ADDRESS/BITS COUNT" (docs/udp.md).
    /// </summary>
    private static void WriteUdpTopLists(Hardening.UdpCounters udp, IBufferWriter<byte> output)
    {
        const int TopCount = 20;
        foreach (var (name, value) in udp.All())
        {
            TextResponseWriter.WriteStat(output, Encoding.ASCII.GetBytes(name), value);
        }

        TextResponseWriter.WriteStat(output, "udp_dropped_window_seconds"u8, (long)Moat.Security.Udp.DropTally.Window.TotalSeconds);
        foreach (var (key, dropped) in udp.DroppedSources.Top(TopCount))
        {
            TextResponseWriter.WriteStat(output, Encoding.ASCII.GetBytes("udp_dropped_source:" + udp.DroppedSources.Format(key)), dropped);
        }

        foreach (var (key, dropped) in udp.DroppedPrefixes.Top(TopCount))
        {
            TextResponseWriter.WriteStat(output, Encoding.ASCII.GetBytes("udp_dropped_prefix:" + udp.DroppedPrefixes.Format(key)), dropped);
        }
    }

    private void ExecuteDetail(in TextTokens tokens, IBufferWriter<byte> output)
    {
        var argument = tokens.Count >= 3 ? tokens[2] : [];
        if (argument.SequenceEqual("on"u8))
        {
            context.Executor.Prefixes.Enabled = true;
            TextResponseWriter.Write(output, TextReply.Ok);
        }
        else if (argument.SequenceEqual("off"u8))
        {
            context.Executor.Prefixes.Enabled = false;
            TextResponseWriter.Write(output, TextReply.Ok);
        }
        else if (argument.SequenceEqual("dump"u8))
        {
            if (PeerMayDump)
            {
                context.Executor.Prefixes.Dump(output);
            }
            else
            {
                TextResponseWriter.Write(output, "CLIENT_ERROR stats detail dump not allowed\r\n"u8);
            }
        }
        else
        {
            TextResponseWriter.Write(output, TextReply.StatsDetailUsage);
        }
    }

    private void ExecuteCachedump(in TextTokens tokens, IBufferWriter<byte> output)
    {
        if (!context.Options.DumpEnabled || !PeerMayDump)
        {
            TextResponseWriter.Write(output, TextReply.CachedumpNotAllowed);
        }
        else if (tokens.MemcachedCount < 5)
        {
            TextResponseWriter.Write(output, TextReply.BadCommandLine);
        }
        else if (!AsciiNumber.TryParseUInt32(tokens[2], out var id) || !AsciiNumber.TryParseUInt32(tokens[3], out _))
        {
            TextResponseWriter.Write(output, TextReply.BadCommandLineFormat);
        }
        else if (id >= 64)
        {
            TextResponseWriter.Write(output, "CLIENT_ERROR Illegal slab id\r\n"u8);
        }
        else
        {
            // There are no slab classes to walk, so every class dumps empty.
            TextResponseWriter.Write(output, TextReply.End);
        }
    }

    /// <summary>
    /// "stats": memcached 1.6.18's lines in its order, as it prints them without the LRU maintainer (Moat has none),
    /// then Moat's own (moat_version, the UDP guard, hardening and authentication counters, total_malloced, TLS).
    /// Lines of memcached subsystems Moat does not have are printed as memcached prints them idle (0).
    /// </summary>
    private void WriteGeneral(IBufferWriter<byte> output)
    {
        var counters = context.Statistics.Snapshot();
        var storage = context.Store.GetStatistics();
        var (user, system) = ServerStatistics.ProcessorTimes();
        var options = context.Options;
        var current = context.Statistics.CurrentConnections;

        TextResponseWriter.WriteStat(output, "pid"u8, (long)Environment.ProcessId);
        TextResponseWriter.WriteStat(output, "uptime"u8, (long)context.Store.CurrentTime);
        TextResponseWriter.WriteStat(output, "time"u8, context.Clock.GetUtcNow().ToUnixTimeSeconds());
        TextResponseWriter.WriteStat(output, "version"u8, VersionBytes);

        // memcached names its event library; Moat's is the .NET runtime.
        TextResponseWriter.WriteStat(output, "libevent"u8, RuntimeBytes);
        TextResponseWriter.WriteStat(output, "pointer_size"u8, (long)(IntPtr.Size * 8));
        TextResponseWriter.WriteStatSeconds(output, "rusage_user"u8, user);
        TextResponseWriter.WriteStatSeconds(output, "rusage_system"u8, system);
        TextResponseWriter.WriteStat(output, "max_connections"u8, (long)options.MaxConnections);
        TextResponseWriter.WriteStat(output, "curr_connections"u8, (long)current);
        TextResponseWriter.WriteStat(output, "total_connections"u8, context.Statistics.TotalConnections);
        if (options.MaxConnectionsFast)
        {
            TextResponseWriter.WriteStat(output, "rejected_connections"u8, context.Statistics.RejectedConnections);
        }

        TextResponseWriter.WriteStat(output, "connection_structures"u8, (long)current);

        // Replies are written straight into the connection's output buffer: there are no response objects.
        TextResponseWriter.WriteStat(output, "response_obj_oom"u8, 0L);
        TextResponseWriter.WriteStat(output, "response_obj_count"u8, 0L);
        TextResponseWriter.WriteStat(output, "response_obj_bytes"u8, 0L);

        // Every connection owns one 16 KiB read buffer; input held beyond it is charged to the input budget.
        TextResponseWriter.WriteStat(output, "read_buf_count"u8, (long)current);
        TextResponseWriter.WriteStat(output, "read_buf_bytes"u8, ((long)current * Hardening.ReadBufferBudget.ConnectionBufferBytes) + context.Hardening.ReadBuffers.Held);
        TextResponseWriter.WriteStat(output, "read_buf_bytes_free"u8, 0L);
        TextResponseWriter.WriteStat(output, "read_buf_oom"u8, Interlocked.Read(ref context.Hardening.Counters.ReadBufferOutOfMemory));
        TextResponseWriter.WriteStat(output, "reserved_fds"u8, (long)MoatServerContext.ListenerCount(options));
        TextResponseWriter.WriteStat(output, "cmd_get"u8, counters.CmdGet);
        TextResponseWriter.WriteStat(output, "cmd_set"u8, counters.CmdSet);
        TextResponseWriter.WriteStat(output, "cmd_flush"u8, counters.CmdFlush);
        TextResponseWriter.WriteStat(output, "cmd_touch"u8, counters.CmdTouch);
        TextResponseWriter.WriteStat(output, "cmd_meta"u8, 0L);
        TextResponseWriter.WriteStat(output, "get_hits"u8, counters.GetHits);
        TextResponseWriter.WriteStat(output, "get_misses"u8, counters.GetMisses);
        TextResponseWriter.WriteStat(output, "get_expired"u8, storage.GetExpired);
        TextResponseWriter.WriteStat(output, "get_flushed"u8, storage.GetFlushed);
        TextResponseWriter.WriteStat(output, "delete_misses"u8, counters.DeleteMisses);
        TextResponseWriter.WriteStat(output, "delete_hits"u8, counters.DeleteHits);
        TextResponseWriter.WriteStat(output, "incr_misses"u8, counters.IncrMisses);
        TextResponseWriter.WriteStat(output, "incr_hits"u8, counters.IncrHits);
        TextResponseWriter.WriteStat(output, "decr_misses"u8, counters.DecrMisses);
        TextResponseWriter.WriteStat(output, "decr_hits"u8, counters.DecrHits);
        TextResponseWriter.WriteStat(output, "cas_misses"u8, counters.CasMisses);
        TextResponseWriter.WriteStat(output, "cas_hits"u8, counters.CasHits);
        TextResponseWriter.WriteStat(output, "cas_badval"u8, counters.CasBadValue);
        TextResponseWriter.WriteStat(output, "touch_hits"u8, counters.TouchHits);
        TextResponseWriter.WriteStat(output, "touch_misses"u8, counters.TouchMisses);
        TextResponseWriter.WriteStat(output, "store_too_large"u8, counters.StoreTooLarge + storage.StoreTooLarge);
        TextResponseWriter.WriteStat(output, "store_no_memory"u8, counters.StoreNoMemory + storage.StoreNoMemory);
        WriteAuthCounters(output);
        if (options.IdleTimeoutSeconds > 0)
        {
            TextResponseWriter.WriteStat(output, "idle_kicks"u8, counters.IdleKicks);
        }

        TextResponseWriter.WriteStat(output, "bytes_read"u8, counters.BytesRead);
        TextResponseWriter.WriteStat(output, "bytes_written"u8, counters.BytesWritten);
        TextResponseWriter.WriteStat(output, "limit_maxbytes"u8, storage.LimitMaxBytes);
        TextResponseWriter.WriteStat(output, "accepting_conns"u8, context.AcceptGate.Accepting ? 1L : 0L);
        TextResponseWriter.WriteStat(output, "listen_disabled_num"u8, context.AcceptGate.ListenDisabledCount);
        TextResponseWriter.WriteStat(output, "time_in_listen_disabled_us"u8, context.AcceptGate.TimeInListenDisabledMicroseconds);
        TextResponseWriter.WriteStat(output, "threads"u8, (long)options.Threads);
        TextResponseWriter.WriteStat(output, "conn_yields"u8, counters.ConnectionYields);
        TextResponseWriter.WriteStat(output, "hash_power_level"u8, (long)storage.HashPowerLevel);
        TextResponseWriter.WriteStat(output, "hash_bytes"u8, storage.HashBytes);
        TextResponseWriter.WriteStat(output, "hash_is_expanding"u8, storage.HashIsExpanding ? 1L : 0L);
        if (options.Memcached.SlabReassign)
        {
            // No slab pages, so nothing is ever moved (-o slab_reassign is accepted for its settings line).
            TextResponseWriter.WriteStat(output, "slab_reassign_rescues"u8, 0L);
            TextResponseWriter.WriteStat(output, "slab_reassign_chunk_rescues"u8, 0L);
            TextResponseWriter.WriteStat(output, "slab_reassign_evictions_nomem"u8, 0L);
            TextResponseWriter.WriteStat(output, "slab_reassign_inline_reclaim"u8, 0L);
            TextResponseWriter.WriteStat(output, "slab_reassign_busy_items"u8, 0L);
            TextResponseWriter.WriteStat(output, "slab_reassign_busy_deletes"u8, 0L);
            TextResponseWriter.WriteStat(output, "slab_reassign_running"u8, 0L);
            TextResponseWriter.WriteStat(output, "slabs_moved"u8, 0L);
        }

        if (context.Crawler.Enabled)
        {
            TextResponseWriter.WriteStat(output, "lru_crawler_running"u8, context.Crawler.Running ? 1L : 0L);
            TextResponseWriter.WriteStat(output, "lru_crawler_starts"u8, context.Crawler.Starts);
        }

        TextResponseWriter.WriteStat(output, "malloc_fails"u8, 0L);

        // "watch": entries go straight into each watcher's buffer (no per-thread buffer that could drop them first),
        // so all loss is a watcher's, counted in log_watcher_skipped.
        var watch = context.Watch;
        TextResponseWriter.WriteStat(output, "log_worker_dropped"u8, 0L);
        TextResponseWriter.WriteStat(output, "log_worker_written"u8, watch.EntriesWritten);
        TextResponseWriter.WriteStat(output, "log_watcher_skipped"u8, watch.LinesSkipped);
        TextResponseWriter.WriteStat(output, "log_watcher_sent"u8, watch.LinesSent);
        TextResponseWriter.WriteStat(output, "log_watchers"u8, (long)watch.Watchers);

        // Moat's own: the memory the watchers' buffers hold (watcher_logbuf_size each, while they watch).
        TextResponseWriter.WriteStat(output, "log_watcher_buffer_bytes"u8, watch.BufferBytes);
        TextResponseWriter.WriteStat(output, "unexpected_napi_ids"u8, 0L);
        TextResponseWriter.WriteStat(output, "round_robin_fallback"u8, 0L);
        TextResponseWriter.WriteStat(output, "bytes"u8, storage.Bytes);
        TextResponseWriter.WriteStat(output, "curr_items"u8, storage.CurrentItems);
        TextResponseWriter.WriteStat(output, "total_items"u8, storage.TotalItems);
        TextResponseWriter.WriteStat(output, "slab_global_page_pool"u8, 0L);
        TextResponseWriter.WriteStat(output, "expired_unfetched"u8, storage.ExpiredUnfetched);
        TextResponseWriter.WriteStat(output, "evicted_unfetched"u8, storage.EvictedUnfetched);
        TextResponseWriter.WriteStat(output, "evictions"u8, storage.Evictions);
        TextResponseWriter.WriteStat(output, "reclaimed"u8, storage.Reclaimed);
        TextResponseWriter.WriteStat(output, "crawler_reclaimed"u8, context.Crawler.Reclaimed);
        TextResponseWriter.WriteStat(output, "crawler_items_checked"u8, context.Crawler.ItemsChecked);
        TextResponseWriter.WriteStat(output, "lrutail_reflocked"u8, 0L);

        // Moat's own lines, after memcached's.
        TextResponseWriter.WriteStat(output, "moat_version"u8, Encoding.ASCII.GetBytes(ServerVersion.Moat));

        // The UDP guard's counters (docs/udp.md), only while -U is on.
        if (context.UdpCounters is { } udp)
        {
            foreach (var (name, value) in udp.All())
            {
                TextResponseWriter.WriteStat(output, Encoding.ASCII.GetBytes(name), value);
            }
        }

        // Only while --security-log writes somewhere.
        if (context.SecurityLog.IsEnabled)
        {
            TextResponseWriter.WriteStat(output, "security_log_dropped"u8, context.SecurityLog.Dropped);
        }

        // Network hardening counters (docs/security.md); read_buf_oom is memcached's and printed in its place above.
        foreach (var (name, value) in context.Hardening.Counters.All())
        {
            if (name != "read_buf_oom")
            {
                TextResponseWriter.WriteStat(output, Encoding.ASCII.GetBytes(name), value);
            }
        }

        WriteMoatAuthCounters(output);
        TextResponseWriter.WriteStat(output, "total_malloced"u8, storage.TotalMalloced);
        Tls.TlsStatistics.WriteGeneral(output, context.Tls);
    }

    private void WriteSettings(IBufferWriter<byte> output)
    {
        var o = context.Options;
        TextResponseWriter.WriteStat(output, "maxbytes"u8, o.MemoryLimitBytes);
        TextResponseWriter.WriteStat(output, "maxconns"u8, (long)o.MaxConnections);
        TextResponseWriter.WriteStat(output, "tcpport"u8, (long)context.BoundTcpPort);
        TextResponseWriter.WriteStat(output, "udpport"u8, (long)o.UdpPort);
        if (o.UdpPort != 0)
        {
            TextResponseWriter.WriteStat(output, "udp_amp_factor"u8, (long)o.UdpAmplificationFactor);
            TextResponseWriter.WriteStat(output, "udp_trusted"u8, Encoding.ASCII.GetBytes(string.IsNullOrEmpty(o.UdpTrusted) ? "none" : o.UdpTrusted));
            var trustsPublic = !string.IsNullOrEmpty(o.UdpTrusted) && Moat.Security.Udp.TrustedNetworks.Parse(o.UdpTrusted).IncludesPublicRanges;
            TextResponseWriter.WriteStat(output, "udp_trusted_public"u8, trustsPublic ? "yes"u8 : "no"u8);
            var limits = o.UdpRateLimits;
            TextResponseWriter.WriteStat(output, "udp_unvalidated_rate"u8, Encoding.ASCII.GetBytes(FormattableString.Invariant($"{limits.UnvalidatedPerSource.PerSecond}/{limits.UnvalidatedPerSource.Burst}")));
            TextResponseWriter.WriteStat(output, "udp_unvalidated_prefix_rate"u8, Encoding.ASCII.GetBytes(FormattableString.Invariant($"{limits.UnvalidatedPerPrefix.PerSecond}/{limits.UnvalidatedPerPrefix.Burst}")));
            TextResponseWriter.WriteStat(output, "udp_unvalidated_bytes_rate"u8, Encoding.ASCII.GetBytes(FormattableString.Invariant($"{limits.UnvalidatedGlobalBytes.PerSecond}/{limits.UnvalidatedGlobalBytes.Burst}")));
            TextResponseWriter.WriteStat(output, "udp_validated_rate"u8, Encoding.ASCII.GetBytes(FormattableString.Invariant($"{limits.ValidatedPerSource.PerSecond}/{limits.ValidatedPerSource.Burst}")));
            TextResponseWriter.WriteStat(output, "udp_validated_bytes_rate"u8, Encoding.ASCII.GetBytes(FormattableString.Invariant($"{limits.ValidatedBytesPerSource.PerSecond}/{limits.ValidatedBytesPerSource.Burst}")));
            TextResponseWriter.WriteStat(output, "udp_prefix4"u8, (long)limits.Prefix4);
            TextResponseWriter.WriteStat(output, "udp_prefix6"u8, (long)limits.Prefix6);
            TextResponseWriter.WriteStat(output, "udp_token_ttl"u8, (long)o.UdpTokenTtlSeconds);
            TextResponseWriter.WriteStat(output, "udp_token_rotate"u8, (long)o.UdpTokenRotateSeconds);
            TextResponseWriter.WriteStat(output, "udp_token_secret"u8, Encoding.UTF8.GetBytes(o.UdpTokenSecretFile ?? "random"));
            TextResponseWriter.WriteStat(output, "udp_deny_src_ports"u8, Encoding.ASCII.GetBytes(string.Join(',', o.UdpDeniedSourcePorts)));
            TextResponseWriter.WriteStat(output, "udp_unvalidated_cmds"u8, Encoding.ASCII.GetBytes(string.Join(',', o.UdpUnvalidatedCommands)));
            TextResponseWriter.WriteStat(output, "udp_max_payload"u8, (long)o.UdpMaxPayload);
            TextResponseWriter.WriteStat(output, "udp_max_response"u8, o.EffectiveUdpMaxResponse);
        }

        if (context.SecurityLog.IsEnabled)
        {
            TextResponseWriter.WriteStat(output, "security_log"u8, Encoding.UTF8.GetBytes(o.EffectiveSecurityLog));
        }

        var inter = string.Join(',', o.EffectiveListenAddresses().Select(a => a.ToString()));
        var m = o.Memcached;
        TextResponseWriter.WriteStat(output, "inter"u8, Encoding.ASCII.GetBytes(inter));
        TextResponseWriter.WriteStat(output, "verbosity"u8, (long)context.Verbosity);
        TextResponseWriter.WriteStat(output, "oldest"u8, 0L);
        TextResponseWriter.WriteStat(output, "evictions"u8, o.EvictionsEnabled ? "on"u8 : "off"u8);
        TextResponseWriter.WriteStat(output, "domain_socket"u8, "NULL"u8);
        TextResponseWriter.WriteStat(output, "umask"u8, "700"u8);
        TextResponseWriter.WriteStat(output, "shutdown_command"u8, YesNo(o.ShutdownEnabled));

        // -f and -n (memcached's slab sizing) are not accepted, so these are always memcached's defaults.
        TextResponseWriter.WriteStat(output, "growth_factor"u8, "1.25"u8);
        TextResponseWriter.WriteStat(output, "chunk_size"u8, 48L);
        TextResponseWriter.WriteStat(output, "num_threads"u8, (long)o.Threads);
        TextResponseWriter.WriteStat(output, "num_threads_per_udp"u8, (long)o.Threads);
        TextResponseWriter.WriteStat(output, "stat_key_prefix"u8, [o.PrefixDelimiter]);
        TextResponseWriter.WriteStat(output, "detail_enabled"u8, YesNo(context.Executor.Prefixes.Enabled));
        TextResponseWriter.WriteStat(output, "reqs_per_event"u8, (long)o.RequestsPerEvent);
        TextResponseWriter.WriteStat(output, "cas_enabled"u8, YesNo(o.CasEnabled));
        TextResponseWriter.WriteStat(output, "tcp_backlog"u8, (long)o.Backlog);
        TextResponseWriter.WriteStat(output, "binding_protocol"u8, o.Protocol switch
        {
            Configuration.BindingProtocol.Ascii => "ascii"u8,
            Configuration.BindingProtocol.Binary => "binary"u8,
            _ => "auto-negotiate"u8,
        });
        // memcached prints the auth file's path, not "yes".
        TextResponseWriter.WriteStat(output, "auth_enabled_sasl"u8, YesNo(o.SaslEnabled));
        TextResponseWriter.WriteStat(output, "auth_enabled_ascii"u8, o.AsciiAuthFile is { } authFile ? Encoding.UTF8.GetBytes(authFile) : "no"u8);
        TextResponseWriter.WriteStat(output, "auth_timeout"u8, (long)o.AuthTimeoutSeconds);
        TextResponseWriter.WriteStat(output, "item_size_max"u8, (long)o.ItemSizeMax);
        TextResponseWriter.WriteStat(output, "maxconns_fast"u8, YesNo(o.MaxConnectionsFast));
        TextResponseWriter.WriteStat(output, "hashpower_init"u8, (long)o.HashPower);
        TextResponseWriter.WriteStat(output, "slab_reassign"u8, YesNo(m.SlabReassign));
        TextResponseWriter.WriteStat(output, "slab_automove"u8, (long)m.SlabAutomove);
        TextResponseWriter.WriteStat(output, "slab_automove_ratio"u8, Fixed(m.SlabAutomoveRatio, 2));
        TextResponseWriter.WriteStat(output, "slab_automove_window"u8, (long)m.SlabAutomoveWindow);
        TextResponseWriter.WriteStat(output, "slab_chunk_max"u8, (long)o.SlabChunkMax);
        TextResponseWriter.WriteStat(output, "lru_crawler"u8, YesNo(context.Crawler.Enabled));
        TextResponseWriter.WriteStat(output, "lru_crawler_sleep"u8, (long)context.Crawler.SleepMicroseconds);
        TextResponseWriter.WriteStat(output, "lru_crawler_tocrawl"u8, (long)context.Crawler.ToCrawl);
        TextResponseWriter.WriteStat(output, "tail_repair_time"u8, (long)m.TailRepairTime);
        TextResponseWriter.WriteStat(output, "flush_enabled"u8, YesNo(o.FlushEnabled));
        TextResponseWriter.WriteStat(output, "dump_enabled"u8, YesNo(o.DumpEnabled));
        TextResponseWriter.WriteStat(output, "hash_algorithm"u8, Encoding.ASCII.GetBytes(m.HashAlgorithm));

        // Moat has no segmented LRU whatever -o lru_maintainer says: "stats items" has the shape this implies.
        TextResponseWriter.WriteStat(output, "lru_maintainer_thread"u8, "no"u8);
        TextResponseWriter.WriteStat(output, "lru_segmented"u8, "no"u8);
        TextResponseWriter.WriteStat(output, "hot_lru_pct"u8, (long)m.HotLruPercent);
        TextResponseWriter.WriteStat(output, "warm_lru_pct"u8, (long)m.WarmLruPercent);
        TextResponseWriter.WriteStat(output, "hot_max_factor"u8, Fixed(m.HotMaxFactor, 2));
        TextResponseWriter.WriteStat(output, "warm_max_factor"u8, Fixed(m.WarmMaxFactor, 2));
        TextResponseWriter.WriteStat(output, "temp_lru"u8, YesNo(m.TemporaryLru));
        TextResponseWriter.WriteStat(output, "temporary_ttl"u8, (long)m.TemporaryTtl);
        TextResponseWriter.WriteStat(output, "idle_timeout"u8, (long)o.IdleTimeoutSeconds);
        TextResponseWriter.WriteStat(output, "watcher_logbuf_size"u8, (long)m.WatcherLogBufferSize);
        TextResponseWriter.WriteStat(output, "worker_logbuf_size"u8, (long)m.WorkerLogBufferSize);
        TextResponseWriter.WriteStat(output, "read_buf_mem_limit"u8, o.EffectiveReadBufferMemoryLimitBytes);
        TextResponseWriter.WriteStat(output, "track_sizes"u8, YesNo(o.TrackSizes));
        TextResponseWriter.WriteStat(output, "inline_ascii_response"u8, "no"u8);
        TextResponseWriter.WriteStat(output, "max_get_line"u8, (long)o.MaxGetLineLength);
        TextResponseWriter.WriteStat(output, "allow"u8, Encoding.ASCII.GetBytes(context.Hardening.AllowList.Text));
        TextResponseWriter.WriteStat(output, "insecure_public"u8, YesNo(o.InsecurePublic));
        TextResponseWriter.WriteStat(output, "max_conns_per_ip"u8, (long)o.MaxConnectionsPerAddress);
        TextResponseWriter.WriteStat(output, "slow_request_timeout"u8, (long)o.SlowRequestTimeoutSeconds);
        TextResponseWriter.WriteStat(output, "dump_remote"u8, YesNo(o.DumpRemote));
        TextResponseWriter.WriteStat(output, "output_pause_bytes"u8, (long)Hardening.NetworkHardening.OutputPauseBytes);
        TextResponseWriter.WriteStat(output, "output_limit_bytes"u8, Hardening.NetworkHardening.OutputHardLimitBytes);

        // Debian's memcached is built with extstore: these are printed even when no ext_path is given.
        TextResponseWriter.WriteStat(output, "ext_item_size"u8, (long)m.ExtItemSize);
        TextResponseWriter.WriteStat(output, "ext_item_age"u8, (long)m.ExtItemAge);
        TextResponseWriter.WriteStat(output, "ext_low_ttl"u8, (long)m.ExtLowTtl);
        TextResponseWriter.WriteStat(output, "ext_recache_rate"u8, (long)m.ExtRecacheRate);
        TextResponseWriter.WriteStat(output, "ext_wbuf_size"u8, (long)m.ExtWriteBufferSize);
        TextResponseWriter.WriteStat(output, "ext_compact_under"u8, (long)m.ExtCompactUnder);
        TextResponseWriter.WriteStat(output, "ext_drop_under"u8, (long)m.ExtDropUnder);
        TextResponseWriter.WriteStat(output, "ext_max_sleep"u8, (long)m.ExtMaxSleep);
        TextResponseWriter.WriteStat(output, "ext_max_frag"u8, Fixed(m.ExtMaxFragmentation, 2));
        TextResponseWriter.WriteStat(output, "slab_automove_freeratio"u8, Fixed(m.SlabAutomoveFreeRatio, 3));
        TextResponseWriter.WriteStat(output, "ext_drop_unread"u8, YesNo(m.ExtDropUnread));
        Tls.TlsStatistics.WriteSettings(output, o);

        // -N and -e are not accepted: memcached prints its unset string pointers as "(null)".
        TextResponseWriter.WriteStat(output, "num_napi_ids"u8, "(null)"u8);
        TextResponseWriter.WriteStat(output, "memory_file"u8, "(null)"u8);
    }

    /// <summary>printf's "%.Nf" for the settings memcached prints as fractions.</summary>
    private static byte[] Fixed(double value, int decimals) =>
        Encoding.ASCII.GetBytes(value.ToString("F" + decimals.ToString(System.Globalization.CultureInfo.InvariantCulture), System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>memcached's auth_cmds and auth_errors.</summary>
    private void WriteAuthCounters(IBufferWriter<byte> output)
    {
        var auth = context.Auth?.Counters;
        TextResponseWriter.WriteStat(output, "auth_cmds"u8, auth is null ? 0L : Interlocked.Read(ref auth.Commands));
        TextResponseWriter.WriteStat(output, "auth_errors"u8, auth is null ? 0L : Interlocked.Read(ref auth.Errors));
    }

    /// <summary>Moat's authentication and udptoken counters.</summary>
    private void WriteMoatAuthCounters(IBufferWriter<byte> output)
    {
        var auth = context.Auth?.Counters;
        TextResponseWriter.WriteStat(output, "auth_failures"u8, auth is null ? 0L : Interlocked.Read(ref auth.Failures));
        if (auth is not null)
        {
            TextResponseWriter.WriteStat(output, "auth_ratelimited"u8, Interlocked.Read(ref auth.RateLimited));
            TextResponseWriter.WriteStat(output, "auth_unauthenticated_cmds"u8, Interlocked.Read(ref auth.UnauthenticatedCommands));
            TextResponseWriter.WriteStat(output, "auth_timeouts"u8, Interlocked.Read(ref auth.Timeouts));
        }

        if (context.UdpSecurity is not null)
        {
            TextResponseWriter.WriteStat(output, "udp_token_issued_tcp"u8, Interlocked.Read(ref context.UdpTokensIssuedTcp));
            if (auth is not null)
            {
                TextResponseWriter.WriteStat(output, "udp_unauthenticated_dropped"u8, Interlocked.Read(ref auth.UdpUnauthenticatedDropped));
            }
        }
    }

    /// <summary>
    /// "stats conns": the listeners first (memcached lists its listening sockets by descriptor before the
    /// connections: TCP ones in conn_listening, UDP ones as "UDP" in conn_read), then every connection.
    /// </summary>
    private void WriteConnections(IBufferWriter<byte> output)
    {
        var now = context.Clock.GetTimestamp();
        var id = MoatServerContext.FirstListenerId;
        var uptime = (long)context.Store.CurrentTime;
        var options = context.Options;
        foreach (var (endPoint, _) in Tls.TlsListeners.EndPoints(options))
        {
            var port = endPoint.Port == 0 ? context.BoundTcpPort : endPoint.Port;
            WriteConnection(output, id++, udp: false, Describe("tcp", endPoint.Address, port), null, "conn_listening", uptime);
        }

        if (options.UdpPort != 0)
        {
            foreach (var address in options.EffectiveListenAddresses())
            {
                WriteConnection(output, id++, udp: true, Describe("udp", address, options.UdpPort), null, "conn_read", uptime);
            }
        }

        foreach (var connection in context.Statistics.LiveConnections())
        {
            var idle = (long)context.Clock.GetElapsedTime(connection.LastCommandTimestamp, now).TotalSeconds;
            WriteConnection(output, connection.Id, udp: false, connection.RemoteAddress, connection.LocalAddress, connection.State, idle);
        }
    }

    private static void WriteConnection(IBufferWriter<byte> output, long id, bool udp, string address, string? listenAddress, string state, long idleSeconds)
    {
        var prefix = id.ToString(System.Globalization.CultureInfo.InvariantCulture) + ":";
        if (udp)
        {
            TextResponseWriter.WriteStat(output, Encoding.ASCII.GetBytes(prefix + "UDP"), "UDP"u8);
        }

        TextResponseWriter.WriteStat(output, Encoding.ASCII.GetBytes(prefix + "addr"), Encoding.ASCII.GetBytes(address));
        if (listenAddress is not null)
        {
            TextResponseWriter.WriteStat(output, Encoding.ASCII.GetBytes(prefix + "listen_addr"), Encoding.ASCII.GetBytes(listenAddress));
        }

        TextResponseWriter.WriteStat(output, Encoding.ASCII.GetBytes(prefix + "state"), Encoding.ASCII.GetBytes(state));
        TextResponseWriter.WriteStat(output, Encoding.ASCII.GetBytes(prefix + "secs_since_last_cmd"), idleSeconds);
    }

    /// <summary>memcached's conn_to_str: "tcp:1.2.3.4:port", "tcp6:[::1]:port", "udp:...".</summary>
    private static string Describe(string transport, System.Net.IPAddress address, int port) =>
        address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6
            ? FormattableString.Invariant($"{transport}6:[{address}]:{port}")
            : FormattableString.Invariant($"{transport}:{address}:{port}");

    private static ReadOnlySpan<byte> YesNo(bool value) => value ? "yes"u8 : "no"u8;
}
