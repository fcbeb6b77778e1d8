namespace Moat.Server.Configuration;

/// <summary>The text of "moat -h".</summary>
internal static class HelpText
{
    public const string Text = """
        moat - a memcached-compatible cache server that cannot be turned into a DDoS reflector

        Usage: moat [memcached flags]          run the server (text protocol)
               moat <subcommand> [...]         bench, audit, detect (see README)

        Secure defaults (different from memcached where memcached is unsafe):
          listens on 127.0.0.1 and ::1 only (memcached: every interface)
          UDP is off (-U 0); with -U, unvalidated sources get at most K x request bytes (docs/udp.md)
          shutdown command off (-A enables), flush_all on (-F disables)
          only loopback clients (--allow); non-loopback -l needs --allow, public ranges need auth
          256 connections per client address, half-sent requests closed after 30 s
          key dumps (stats cachedump, stats detail dump, me, lru_crawler metadump) for loopback peers only

        Flags (memcached's meanings):
          -p, --port=<num>            TCP port (default 11211; 0 = any free port)
          -l, --listen=<addr,...>     addresses to listen on (default 127.0.0.1,::1)
          -U, --udp-port=<num>        UDP port (default 0 = off), behind the reflection guard
          --udp-amp-factor=<0-3>      K: bytes an unvalidated source may draw per request byte (default 1)
          --udp-trusted=<cidr,...>    networks that get full UDP service (at least /8 IPv4, /32 IPv6)
          --security-log=<path|-|off> security events as JSON Lines (default: - with -v, else off)
          --udp-unvalidated-rate=<r/b>        requests/s and burst per unvalidated source (default 10/20)
          --udp-unvalidated-prefix-rate=<r/b> requests/s and burst per /24 or /56 (default 50/100)
          --udp-unvalidated-bytes-rate=<r/b>  reply bytes/s and burst to all unvalidated sources (default 65536/131072)
          --udp-validated-rate=<r/b>          requests/s and burst per validated or trusted source (default 20000/40000)
          --udp-validated-bytes-rate=<r/b>    reply bytes/s and burst per validated or trusted source (default 67108864/67108864)
          --udp-unvalidated-cmds=<cmd,...>    commands open to unvalidated sources, of get,gets,mg,udptoken (default all)
          --udp-deny-src-ports=<port,...>     source ports refused besides < 1024 and our own (default 1900,3283,3702,5353,10001,11211)
          --udp-token-ttl=<s>         address-validation token lifetime (default 600)
          --udp-token-rotate=<s>      random token key rotation period (default 3600)
          --udp-token-secret-file=<f> shared token key (>= 32 bytes, mode 0600) for servers behind one address
          --udp-max-payload=<bytes>   UDP datagram size, 512-1400 (default 1400)
          --udp-max-response=<size>   largest UDP reply to validated sources (default item size + 1k, max 16m)
          --udp-prefix4=<8-32>, --udp-prefix6=<32-128>  rate-limit prefixes (default 24, 56)
          -m, --memory-limit=<mb>     memory limit in megabytes, a hard limit (default 64)
          -c, --conn-limit=<num>      max simultaneous connections (default 1024)
          -t, --threads=<num>         I/O threads (default 4)
          -I, --max-item-size=<size>  largest value, e.g. 1m, 512k (default 1m, min 1024 bytes)
          -M, --disable-evictions     answer out-of-memory errors instead of evicting
          -C, --disable-cas           no CAS values
          -A, --enable-shutdown       allow the shutdown command
          -F, --disable-flush-all     refuse flush_all
          -X, --disable-dumping       refuse stats cachedump, me and lru_crawler metadump
          -W, --disable-watch         disable watch commands (live logging)
          -R, --max-reqs-per-event=N  commands per connection before it yields (default 20)
          -b, --listen-backlog=<num>  TCP listen backlog (default 1024)
          -B, --protocol=<name>       protocol: auto (default), ascii or binary
          -D <char>                   key prefix delimiter for stats detail (default ':')
          -P, --pidfile=<file>        write the process id to this file
          -u, --user=<name>           accepted only if moat already runs as that user
          -v, -vv, -vvv, --verbose    log connections and errors (-v), every command (-vv), internals (-vvv) to stderr
          -Y, --auth-file=<file>      ASCII authentication (memcached's -Y): user:password lines,
                                      up to 1024; clients send "set <any> 0 0 <n>" with "user password"
          -S, --enable-sasl           SASL PLAIN over the binary protocol (binary only, as memcached)
          --sasl-pwdb=<file>          SASL users, user:password lines (else $MEMCACHED_SASL_PWDB)
          --auth-timeout=<s>          close connections not authenticated within s seconds (default 10)
          --compat-strict-flags       refuse -U with -S/-Y as memcached does (default: UDP only for
                                      auth-bound tokens from "udptoken")
          -o, --extended=<opt,...>    memcached's extended options, comma separated. Applied:
                                      idle_timeout=<s>, hashpower=<n>, maxconns_fast, no_maxconns_fast,
                                      no_hashexpand, slab_chunk_max=<size>, no_chunked_items,
                                      slab_sizes=<a-b-...>, track_sizes, lru_crawler, no_lru_crawler,
                                      lru_crawler_sleep=<us>, lru_crawler_tocrawl=<n>, no_modern,
                                      read_buf_mem_limit=<mb>, max_get_line=<bytes>, dump_remote
                                      (lru_crawler metadump for non-loopback peers), ssl_* (see -Z).
                                      Accepted with a NOTICE line (no meaning in moat): modern,
                                      slab_reassign, no_slab_reassign, slab_automove, no_slab_automove,
                                      slab_automove_ratio, slab_automove_window, slab_automove_freeratio,
                                      lru_maintainer, no_lru_maintainer, hot_lru_pct, warm_lru_pct,
                                      hot_max_factor, warm_max_factor, temporary_ttl, tail_repair_time,
                                      hash_algorithm, watcher_logbuf_size, worker_logbuf_size,
                                      inline_ascii_resp, no_inline_ascii_resp, drop_privileges,
                                      no_drop_privileges, resp_obj_mem_limit, sock_cookie_id,
                                      ssl_keyformat, ssl_ciphers, ssl_wbuf_size, ssl_session_cache,
                                      ssl_kernel_tls, ext_path, ext_page_size, ext_wbuf_size, ext_threads,
                                      ext_io_depth, ext_item_size, ext_item_age, ext_low_ttl,
                                      ext_recache_rate, ext_compact_under, ext_drop_under, ext_max_sleep,
                                      ext_max_frag, ext_drop_unread (docs/protocol-compatibility.md)
          --allow=<cidr,...|any>      client networks allowed (default 127.0.0.0/8,::1)
          --insecure-public           allow public ranges / any without -S or -Y
          --max-conns-per-ip=<num>    connections per client address (default 256, 0 = off)
          --slow-request-timeout=<s>  close partial requests older than this (default 30, 0 = off)
          --max-get-line=<size>       longest get/gets/gat/gats line (default 256k)
          -Z, --enable-ssl            TLS on every TCP listener (TLS 1.2/1.3 only; UDP is never TLS)
                                      -o ssl_chain_cert=<pem>, ssl_key=<pem>, ssl_ca_cert=<pem>,
                                      ssl_verify_mode=0|1|2|3 (none, request, require, once),
                                      ssl_min_version=2|3 (tlsv1.2, tlsv1.3); SIGHUP reloads the files
                                      -l notls:<ip>[:port] plain, btls:... TLS, mtls:... client cert required
          --config <file>             read flags from a file, one per line (Debian's
                                      /etc/memcached.conf format; "logfile <path>" too)
          -h, --help                  this text
          -V, --version               print the version

        Not supported: these memcached flags exit with code 64 and a one-line reason
        (none is silently ignored), as does any flag not listed here:
          -s, --unix-socket   -a, --unix-mask        -d, --daemon          -r, --enable-coredumps
          -k, --lock-memory   -i, --license          -L, --enable-largepages
          -f, --slab-growth-factor                   -n, --slab-min-size
          -e, --memory-file   -N, --napi_ids
        """;
}
