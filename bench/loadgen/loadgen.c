/*
 * loadgen: an outside load generator for memcached-compatible servers and Redis.
 *
 * Written in C on purpose: it shares no runtime, thread pool or socket engine with moat, so what it measures is
 * what any client sees. One thread, one epoll loop, N non-blocking TCP connections with TCP_NODELAY (the shape
 * of memtier_benchmark -t 1). Each connection runs a closed loop: write a batch of `pipeline` requests in one
 * write(), read until every reply of the batch is parsed, repeat. A request's latency runs from the write of
 * its batch to the moment its reply is complete.
 *
 * Protocols: memcached text (`set`/`get`, multi-key `get`) and Redis RESP (`SET`/`GET`/`MGET`).
 * Output: one JSON object on stdout. Exit codes: 0 done, 1 connection or reply failure, 64 bad usage.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

enum protocol { PROTO_MEMCACHED, PROTO_REDIS };
enum kind { KIND_SET, KIND_GET };
enum phase { PHASE_PREFILL, PHASE_WARMUP, PHASE_MEASURE, PHASE_DONE };

struct options {
    const char *host;
    const char *port;
    enum protocol protocol;
    int connections;
    int pipeline;
    int set_ratio;
    int get_ratio;
    long keys;
    int key_size;
    int value_size;
    int multiget;
    double duration;
    double warmup;
    int prefill;
    int server_pid;
    uint64_t seed;
};

/* Log-linear latency histogram in nanoseconds: exact below 128 ns, then 64 sub-buckets per power of two, so a
 * reported percentile is at most 1.6 % above the true value. */
#define SUB_BITS 6
#define SUB_COUNT (1 << SUB_BITS)
#define HIST_SIZE (64 * SUB_COUNT)
static uint64_t histogram[HIST_SIZE];
static uint64_t latency_sum_ns;
static uint64_t latency_max_ns;

static int bucket_of(uint64_t ns)
{
    if (ns < SUB_COUNT)
        return (int)ns;
    int msb = 63 - __builtin_clzll(ns);
    int shift = msb - SUB_BITS;
    return (shift + 1) * SUB_COUNT + (int)((ns >> shift) & (SUB_COUNT - 1));
}

static uint64_t bucket_upper(int index)
{
    if (index < SUB_COUNT)
        return (uint64_t)index;
    int shift = index / SUB_COUNT - 1;
    uint64_t sub = (uint64_t)(index % SUB_COUNT) | SUB_COUNT;
    return ((sub + 1) << shift) - 1;
}

static double percentile_us(uint64_t total, double fraction)
{
    if (total == 0)
        return 0;
    uint64_t rank = (uint64_t)(fraction * (double)total);
    if (rank >= total)
        rank = total - 1;
    uint64_t seen = 0;
    for (int i = 0; i < HIST_SIZE; i++) {
        seen += histogram[i];
        if (seen > rank)
            return (double)bucket_upper(i) / 1000.0;
    }
    return (double)latency_max_ns / 1000.0;
}

struct connection {
    int fd;
    char *out;
    size_t out_len;
    size_t out_sent;
    size_t out_cap;
    char *in;
    size_t in_len;
    size_t in_cap;
    int pending;          /* replies still expected for the batch in flight */
    int next_reply;       /* index into kinds of the next reply to parse */
    enum kind *kinds;
    int *key_counts;
    uint64_t batch_start_ns;
    long prefill_next;    /* next key this connection prefills, -1 when its share is done */
    long prefill_end;
};

static struct options opt;
static enum phase phase = PHASE_PREFILL;
static char *value_bytes;
static uint64_t rng_state;
static uint64_t count_sets, count_gets, count_hits, count_misses, count_errors, count_ops;
static char first_error[160];

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static uint64_t next_random(void)
{
    /* xorshift64*: fast, and the same seed sends the same requests. */
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 2685821657736338717ull;
}

static void usage(const char *message)
{
    if (message)
        fprintf(stderr, "loadgen: %s\n", message);
    fprintf(stderr,
            "usage: loadgen [-s host:port] [--protocol memcached|redis] [-c conns] [-P pipeline] [--ratio SET:GET]\n"
            "               [-k keys] [--key-size N] [-v value-size] [--multiget N] [-d seconds] [-w seconds]\n"
            "               [--no-prefill] [--server-pid PID] [--seed N]\n");
    exit(64);
}

static long parse_long(const char *text, const char *name, long min, long max)
{
    char *end;
    errno = 0;
    long value = strtol(text, &end, 10);
    if (errno != 0 || *end != '\0' || value < min || value > max) {
        char message[128];
        snprintf(message, sizeof message, "%s must be a number in [%ld, %ld]", name, min, max);
        usage(message);
    }
    return value;
}

static double parse_seconds(const char *text, const char *name)
{
    char *end;
    double value = strtod(text, &end);
    if (*end != '\0' || value < 0 || value > 86400) {
        char message[128];
        snprintf(message, sizeof message, "%s must be seconds in [0, 86400]", name);
        usage(message);
    }
    return value;
}

static void parse_options(int argc, char **argv)
{
    static char host_buffer[256];
    opt.host = "127.0.0.1";
    opt.port = "11211";
    opt.protocol = PROTO_MEMCACHED;
    opt.connections = 50;
    opt.pipeline = 1;
    opt.set_ratio = 1;
    opt.get_ratio = 10;
    opt.keys = 100000;
    opt.key_size = 32;
    opt.value_size = 100;
    opt.multiget = 1;
    opt.duration = 10;
    opt.warmup = 1;
    opt.prefill = 1;
    opt.seed = 0x9E3779B97F4A7C15ull;
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        const char *value = i + 1 < argc ? argv[i + 1] : NULL;
#define NEED_VALUE() do { if (!value) usage("option needs a value"); i++; } while (0)
        if (!strcmp(arg, "-s") || !strcmp(arg, "--server")) {
            NEED_VALUE();
            snprintf(host_buffer, sizeof host_buffer, "%s", value);
            char *colon = strrchr(host_buffer, ':');
            if (!colon)
                usage("--server needs host:port");
            *colon = '\0';
            opt.host = host_buffer;
            opt.port = colon + 1;
        } else if (!strcmp(arg, "--protocol")) {
            NEED_VALUE();
            if (!strcmp(value, "memcached") || !strcmp(value, "text"))
                opt.protocol = PROTO_MEMCACHED;
            else if (!strcmp(value, "redis"))
                opt.protocol = PROTO_REDIS;
            else
                usage("--protocol is memcached or redis");
        } else if (!strcmp(arg, "-c") || !strcmp(arg, "--connections")) {
            NEED_VALUE();
            opt.connections = (int)parse_long(value, "--connections", 1, 10000);
        } else if (!strcmp(arg, "-P") || !strcmp(arg, "--pipeline")) {
            NEED_VALUE();
            opt.pipeline = (int)parse_long(value, "--pipeline", 1, 1024);
        } else if (!strcmp(arg, "--ratio")) {
            NEED_VALUE();
            if (sscanf(value, "%d:%d", &opt.set_ratio, &opt.get_ratio) != 2 || opt.set_ratio < 0 ||
                opt.get_ratio < 0 || opt.set_ratio + opt.get_ratio == 0)
                usage("--ratio is SET:GET, e.g. 1:10");
        } else if (!strcmp(arg, "-k") || !strcmp(arg, "--keys")) {
            NEED_VALUE();
            opt.keys = parse_long(value, "--keys", 1, 1000000000);
        } else if (!strcmp(arg, "--key-size")) {
            NEED_VALUE();
            opt.key_size = (int)parse_long(value, "--key-size", 12, 250);
        } else if (!strcmp(arg, "-v") || !strcmp(arg, "--value-size")) {
            NEED_VALUE();
            opt.value_size = (int)parse_long(value, "--value-size", 1, 1048576);
        } else if (!strcmp(arg, "--multiget")) {
            NEED_VALUE();
            opt.multiget = (int)parse_long(value, "--multiget", 1, 100);
        } else if (!strcmp(arg, "-d") || !strcmp(arg, "--duration")) {
            NEED_VALUE();
            opt.duration = parse_seconds(value, "--duration");
        } else if (!strcmp(arg, "-w") || !strcmp(arg, "--warmup")) {
            NEED_VALUE();
            opt.warmup = parse_seconds(value, "--warmup");
        } else if (!strcmp(arg, "--no-prefill")) {
            opt.prefill = 0;
        } else if (!strcmp(arg, "--server-pid")) {
            NEED_VALUE();
            opt.server_pid = (int)parse_long(value, "--server-pid", 1, 1 << 30);
        } else if (!strcmp(arg, "--seed")) {
            NEED_VALUE();
            opt.seed = (uint64_t)parse_long(value, "--seed", 1, 0x7fffffffffffffffL);
        } else if (!strcmp(arg, "-h") || !strcmp(arg, "--help")) {
            usage(NULL);
        } else {
            usage("unknown option");
        }
#undef NEED_VALUE
    }
}

static void reserve(char **buffer, size_t *capacity, size_t needed)
{
    if (needed <= *capacity)
        return;
    size_t grown = *capacity ? *capacity : 4096;
    while (grown < needed)
        grown *= 2;
    char *bigger = realloc(*buffer, grown);
    if (!bigger) {
        fprintf(stderr, "loadgen: out of memory\n");
        exit(1);
    }
    *buffer = bigger;
    *capacity = grown;
}

static void append(struct connection *c, const char *bytes, size_t length)
{
    reserve(&c->out, &c->out_cap, c->out_len + length);
    memcpy(c->out + c->out_len, bytes, length);
    c->out_len += length;
}

static void append_key(struct connection *c, long key)
{
    char key_text[256];
    /* "key:" then the number zero-padded to the key size, as `moat bench` writes keys. */
    snprintf(key_text, sizeof key_text, "key:%0*ld", opt.key_size - 4, key);
    append(c, key_text, (size_t)opt.key_size);
}

static void append_number(struct connection *c, long number)
{
    char text[32];
    int length = snprintf(text, sizeof text, "%ld", number);
    append(c, text, (size_t)length);
}

static void append_set(struct connection *c, long key)
{
    if (opt.protocol == PROTO_MEMCACHED) {
        append(c, "set ", 4);
        append_key(c, key);
        append(c, " 0 0 ", 5);
        append_number(c, opt.value_size);
        append(c, "\r\n", 2);
    } else {
        append(c, "*3\r\n$3\r\nSET\r\n$", 14);
        append_number(c, opt.key_size);
        append(c, "\r\n", 2);
        append_key(c, key);
        append(c, "\r\n$", 3);
        append_number(c, opt.value_size);
        append(c, "\r\n", 2);
    }
    append(c, value_bytes, (size_t)opt.value_size);
    append(c, "\r\n", 2);
}

static void append_get(struct connection *c, int key_count)
{
    if (opt.protocol == PROTO_MEMCACHED) {
        append(c, "get", 3);
        for (int i = 0; i < key_count; i++) {
            append(c, " ", 1);
            append_key(c, (long)(next_random() % (uint64_t)opt.keys));
        }
        append(c, "\r\n", 2);
    } else {
        append(c, "*", 1);
        append_number(c, key_count + 1);
        if (key_count == 1)
            append(c, "\r\n$3\r\nGET\r\n", 11);
        else
            append(c, "\r\n$4\r\nMGET\r\n", 12);
        for (int i = 0; i < key_count; i++) {
            append(c, "$", 1);
            append_number(c, opt.key_size);
            append(c, "\r\n", 2);
            append_key(c, (long)(next_random() % (uint64_t)opt.keys));
            append(c, "\r\n", 2);
        }
    }
}

static void fail(const char *message)
{
    fprintf(stderr, "loadgen: %s\n", message);
    exit(1);
}

static void record_error(const char *reply, size_t length)
{
    count_errors++;
    if (first_error[0] == '\0') {
        size_t shown = length < sizeof first_error - 1 ? length : sizeof first_error - 1;
        for (size_t i = 0; i < shown; i++)
            first_error[i] = (reply[i] >= 32 && reply[i] < 127) ? reply[i] : '.';
        first_error[shown] = '\0';
    }
}

/* Finds "\r\n" at or after `from`; returns the offset of '\r' or -1. */
static long find_line_end(const char *buffer, size_t from, size_t length)
{
    for (size_t i = from; i + 1 < length; i++)
        if (buffer[i] == '\r' && buffer[i + 1] == '\n')
            return (long)i;
    return -1;
}

/* Parses one complete reply at the start of the buffer. Returns its length, or 0 when more bytes are needed.
 * Sets *hits to the values found (gets) and *ok to whether the reply is the expected kind. */
static size_t parse_memcached(const char *b, size_t length, enum kind kind, int *hits, int *ok)
{
    long end = find_line_end(b, 0, length);
    if (end < 0)
        return 0;
    if (kind == KIND_SET) {
        *ok = end == 6 && !memcmp(b, "STORED", 6);
        return (size_t)end + 2;
    }
    size_t at = 0;
    *hits = 0;
    for (;;) {
        end = find_line_end(b, at, length);
        if (end < 0)
            return 0;
        size_t line = (size_t)end - at;
        if (line == 3 && !memcmp(b + at, "END", 3)) {
            *ok = 1;
            return (size_t)end + 2;
        }
        if (line > 6 && !memcmp(b + at, "VALUE ", 6)) {
            /* VALUE <key> <flags> <bytes>: the last field is the data length. */
            long space = end - 1;
            while (space > (long)at && b[space] != ' ')
                space--;
            long data_length = strtol(b + space + 1, NULL, 10);
            size_t next = (size_t)end + 2 + (size_t)data_length + 2;
            if (next > length)
                return 0;
            (*hits)++;
            at = next;
            continue;
        }
        *ok = 0;
        return (size_t)end + 2;
    }
}

static size_t parse_bulk(const char *b, size_t at, size_t length, int *hit, int *ok)
{
    long end = find_line_end(b, at, length);
    if (end < 0)
        return 0;
    if (b[at] != '$') {
        *ok = 0;
        return (size_t)end + 2;
    }
    long data_length = strtol(b + at + 1, NULL, 10);
    if (data_length < 0) {
        *hit = 0;
        return (size_t)end + 2;
    }
    size_t next = (size_t)end + 2 + (size_t)data_length + 2;
    if (next > length)
        return 0;
    *hit = 1;
    return next;
}

static size_t parse_redis(const char *b, size_t length, enum kind kind, int key_count, int *hits, int *ok)
{
    long end = find_line_end(b, 0, length);
    if (end < 0)
        return 0;
    *ok = 1;
    *hits = 0;
    if (kind == KIND_SET) {
        *ok = end == 3 && !memcmp(b, "+OK", 3);
        return (size_t)end + 2;
    }
    if (key_count == 1) {
        int hit = 0;
        size_t next = parse_bulk(b, 0, length, &hit, ok);
        *hits = hit;
        return next;
    }
    if (b[0] != '*') {
        *ok = 0;
        return (size_t)end + 2;
    }
    size_t at = (size_t)end + 2;
    long elements = strtol(b + 1, NULL, 10);
    for (long i = 0; i < elements; i++) {
        int hit = 0;
        size_t next = parse_bulk(b, at, length, &hit, ok);
        if (next == 0)
            return 0;
        *hits += hit;
        at = next;
    }
    return at;
}

static void start_batch(struct connection *c)
{
    c->out_len = 0;
    c->out_sent = 0;
    c->next_reply = 0;
    if (phase == PHASE_PREFILL) {
        int n = 0;
        while (n < opt.pipeline && c->prefill_next >= 0) {
            append_set(c, c->prefill_next);
            c->kinds[n] = KIND_SET;
            c->key_counts[n] = 1;
            n++;
            if (++c->prefill_next >= c->prefill_end)
                c->prefill_next = -1;
        }
        c->pending = n;
    } else {
        int total = opt.set_ratio + opt.get_ratio;
        for (int n = 0; n < opt.pipeline; n++) {
            if ((int)(next_random() % (uint64_t)total) < opt.set_ratio) {
                append_set(c, (long)(next_random() % (uint64_t)opt.keys));
                c->kinds[n] = KIND_SET;
                c->key_counts[n] = 1;
            } else {
                append_get(c, opt.multiget);
                c->kinds[n] = KIND_GET;
                c->key_counts[n] = opt.multiget;
            }
        }
        c->pending = opt.pipeline;
    }
    c->batch_start_ns = now_ns();
}

static int flush_out(struct connection *c)
{
    while (c->out_sent < c->out_len) {
        ssize_t written = write(c->fd, c->out + c->out_sent, c->out_len - c->out_sent);
        if (written < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                return 0;
            if (errno == EINTR)
                continue;
            fail("write failed: connection lost");
        }
        c->out_sent += (size_t)written;
    }
    return 1;
}

static void consume_replies(struct connection *c, int epoll_fd)
{
    size_t at = 0;
    uint64_t now = 0;
    while (c->pending > 0 && at < c->in_len) {
        int hits = 0, ok = 0;
        enum kind kind = c->kinds[c->next_reply];
        size_t used = opt.protocol == PROTO_MEMCACHED
                          ? parse_memcached(c->in + at, c->in_len - at, kind, &hits, &ok)
                          : parse_redis(c->in + at, c->in_len - at, kind, c->key_counts[c->next_reply], &hits, &ok);
        if (used == 0)
            break;
        if (phase == PHASE_MEASURE) {
            if (!now)
                now = now_ns();
            uint64_t latency = now - c->batch_start_ns;
            histogram[bucket_of(latency)]++;
            latency_sum_ns += latency;
            if (latency > latency_max_ns)
                latency_max_ns = latency;
            count_ops++;
            if (kind == KIND_SET) {
                count_sets++;
            } else {
                count_gets++;
                count_hits += (uint64_t)hits;
                count_misses += (uint64_t)(c->key_counts[c->next_reply] - hits);
            }
            if (!ok)
                record_error(c->in + at, used);
        } else if (!ok) {
            record_error(c->in + at, used);
        }
        at += used;
        c->next_reply++;
        c->pending--;
    }
    if (at > 0) {
        memmove(c->in, c->in + at, c->in_len - at);
        c->in_len -= at;
    }
    if (c->pending == 0 && phase != PHASE_DONE) {
        if (phase == PHASE_PREFILL && c->prefill_next < 0)
            return; /* this connection's share is stored; it waits for the others */
        start_batch(c);
        if (!flush_out(c)) {
            struct epoll_event event = {.events = EPOLLIN | EPOLLOUT, .data.ptr = c};
            epoll_ctl(epoll_fd, EPOLL_CTL_MOD, c->fd, &event);
        }
    }
}

static int connect_one(void)
{
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM};
    struct addrinfo *addresses;
    int status = getaddrinfo(opt.host, opt.port, &hints, &addresses);
    if (status != 0) {
        fprintf(stderr, "loadgen: cannot resolve %s: %s\n", opt.host, gai_strerror(status));
        exit(1);
    }
    int fd = socket(addresses->ai_family, SOCK_STREAM, 0);
    if (fd < 0 || connect(fd, addresses->ai_addr, addresses->ai_addrlen) != 0) {
        fprintf(stderr, "loadgen: cannot connect to %s:%s: %s\n", opt.host, opt.port, strerror(errno));
        exit(1);
    }
    freeaddrinfo(addresses);
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    return fd;
}

static double cpu_seconds_of(int pid)
{
    char path[64], text[2048];
    snprintf(path, sizeof path, "/proc/%d/stat", pid);
    FILE *file = fopen(path, "r");
    if (!file)
        return -1;
    size_t length = fread(text, 1, sizeof text - 1, file);
    fclose(file);
    text[length] = '\0';
    /* Fields after the command name (which may hold spaces) start after the last ')'. utime and stime are the
     * 14th and 15th fields, i.e. the 12th and 13th after the state field. */
    char *p = strrchr(text, ')');
    if (!p)
        return -1;
    unsigned long utime = 0, stime = 0;
    if (sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &utime, &stime) != 2)
        return -1;
    return (double)(utime + stime) / (double)sysconf(_SC_CLK_TCK);
}

static double own_cpu_seconds(void)
{
    struct rusage usage;
    getrusage(RUSAGE_SELF, &usage);
    return (double)usage.ru_utime.tv_sec + usage.ru_utime.tv_usec / 1e6 + (double)usage.ru_stime.tv_sec +
           usage.ru_stime.tv_usec / 1e6;
}

int main(int argc, char **argv)
{
    parse_options(argc, argv);
    rng_state = opt.seed;
    value_bytes = malloc((size_t)opt.value_size);
    for (int i = 0; i < opt.value_size; i++)
        value_bytes[i] = (char)('a' + i % 26);

    int epoll_fd = epoll_create1(0);
    struct connection *connections = calloc((size_t)opt.connections, sizeof *connections);
    long share = (opt.keys + opt.connections - 1) / opt.connections;
    for (int i = 0; i < opt.connections; i++) {
        struct connection *c = &connections[i];
        c->fd = connect_one();
        c->kinds = calloc((size_t)opt.pipeline, sizeof *c->kinds);
        c->key_counts = calloc((size_t)opt.pipeline, sizeof *c->key_counts);
        c->prefill_next = (long)i * share;
        c->prefill_end = c->prefill_next + share < opt.keys ? c->prefill_next + share : opt.keys;
        if (!opt.prefill || c->prefill_next >= c->prefill_end)
            c->prefill_next = -1;
        struct epoll_event event = {.events = EPOLLIN, .data.ptr = c};
        epoll_ctl(epoll_fd, EPOLL_CTL_ADD, c->fd, &event);
    }

    uint64_t phase_start = now_ns();
    uint64_t prefill_ns = 0, measure_start = 0, measure_end = 0;
    double server_cpu_start = 0, server_cpu_end = 0;

    for (int i = 0; i < opt.connections; i++) {
        start_batch(&connections[i]);
        if (!flush_out(&connections[i])) {
            struct epoll_event event = {.events = EPOLLIN | EPOLLOUT, .data.ptr = &connections[i]};
            epoll_ctl(epoll_fd, EPOLL_CTL_MOD, connections[i].fd, &event);
        }
    }

    struct epoll_event events[256];
    for (;;) {
        int ready = epoll_wait(epoll_fd, events, 256, 100);
        if (ready < 0 && errno != EINTR)
            fail("epoll_wait failed");
        for (int e = 0; e < ready; e++) {
            struct connection *c = events[e].data.ptr;
            if (events[e].events & EPOLLOUT) {
                if (flush_out(c)) {
                    struct epoll_event event = {.events = EPOLLIN, .data.ptr = c};
                    epoll_ctl(epoll_fd, EPOLL_CTL_MOD, c->fd, &event);
                }
            }
            if (events[e].events & (EPOLLIN | EPOLLHUP | EPOLLERR)) {
                for (;;) {
                    reserve(&c->in, &c->in_cap, c->in_len + 65536);
                    size_t space = c->in_cap - c->in_len;
                    ssize_t got = read(c->fd, c->in + c->in_len, space);
                    if (got > 0) {
                        c->in_len += (size_t)got;
                        if ((size_t)got < space)
                            break; /* drained: level-triggered epoll reports the rest */
                        continue;
                    }
                    if (got == 0)
                        fail("the server closed a connection");
                    if (errno == EAGAIN || errno == EWOULDBLOCK)
                        break;
                    if (errno != EINTR)
                        fail("read failed: connection lost");
                }
                consume_replies(c, epoll_fd);
            }
        }

        uint64_t now = now_ns();
        if (phase == PHASE_PREFILL) {
            int idle = 1;
            for (int i = 0; i < opt.connections && idle; i++)
                idle = connections[i].prefill_next < 0 && connections[i].pending == 0;
            if (idle) {
                prefill_ns = now - phase_start;
                phase = PHASE_WARMUP;
                phase_start = now;
                for (int i = 0; i < opt.connections; i++) {
                    start_batch(&connections[i]);
                    if (!flush_out(&connections[i])) {
                        struct epoll_event event = {.events = EPOLLIN | EPOLLOUT, .data.ptr = &connections[i]};
                        epoll_ctl(epoll_fd, EPOLL_CTL_MOD, connections[i].fd, &event);
                    }
                }
            }
        } else if (phase == PHASE_WARMUP && now - phase_start >= (uint64_t)(opt.warmup * 1e9)) {
            phase = PHASE_MEASURE;
            measure_start = now;
            if (opt.server_pid)
                server_cpu_start = cpu_seconds_of(opt.server_pid);
        } else if (phase == PHASE_MEASURE && now - measure_start >= (uint64_t)(opt.duration * 1e9)) {
            measure_end = now;
            if (opt.server_pid)
                server_cpu_end = cpu_seconds_of(opt.server_pid);
            phase = PHASE_DONE;
            break;
        }
    }

    double seconds = (double)(measure_end - measure_start) / 1e9;
    double server_cpu = opt.server_pid ? server_cpu_end - server_cpu_start : 0;
    printf("{\"generator\":\"loadgen\",\"protocol\":\"%s\",\"connections\":%d,\"pipeline\":%d,"
           "\"ratio\":\"%d:%d\",\"keys\":%ld,\"keySize\":%d,\"valueSize\":%d,\"multiget\":%d,"
           "\"seconds\":%.3f,\"ops\":%llu,\"opsPerSecond\":%.1f,\"sets\":%llu,\"gets\":%llu,\"hits\":%llu,"
           "\"misses\":%llu,\"errors\":%llu,\"firstError\":\"%s\",\"prefillSeconds\":%.3f,"
           "\"latencyMicroseconds\":{\"p50\":%.1f,\"p99\":%.1f,\"p999\":%.1f,\"max\":%.1f,\"mean\":%.1f},"
           "\"serverCpuSeconds\":%.2f,\"opsPerServerCpuSecond\":%.1f,\"generatorCpuSeconds\":%.2f}\n",
           opt.protocol == PROTO_MEMCACHED ? "memcached" : "redis", opt.connections, opt.pipeline, opt.set_ratio,
           opt.get_ratio, opt.keys, opt.key_size, opt.value_size, opt.multiget, seconds,
           (unsigned long long)count_ops, count_ops / seconds, (unsigned long long)count_sets,
           (unsigned long long)count_gets, (unsigned long long)count_hits, (unsigned long long)count_misses,
           (unsigned long long)count_errors, first_error, prefill_ns / 1e9, percentile_us(count_ops, 0.50),
           percentile_us(count_ops, 0.99), percentile_us(count_ops, 0.999), latency_max_ns / 1000.0,
           count_ops ? latency_sum_ns / 1000.0 / (double)count_ops : 0.0, server_cpu,
           server_cpu > 0 ? count_ops / server_cpu : 0.0, own_cpu_seconds());
    return count_errors ? 1 : 0;
}
