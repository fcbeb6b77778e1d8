/*
 * responder: the cheapest possible server for bench/loadgen's text workload, to measure how much CPU the kernel
 * alone takes per unpipelined request, and whether io_uring lowers it.
 *
 * It answers `get` with `END`, `set` with `STORED` (it stores nothing) and `version`, one thread, 50-odd connections, in one
 * of three shapes:
 *   epoll      edge-triggered epoll, one recv per readiness event and one send per batch of replies: the shape of
 *              moat's event loop and of a memcached worker
 *   uring      io_uring (SINGLE_ISSUER | DEFER_TASKRUN): a recv request always outstanding per connection, replies
 *              as send requests, everything submitted and reaped in one io_uring_enter per loop
 *   multishot  the same with one multishot recv per connection into a provided-buffer ring (no re-arming)
 * Whatever CPU per request this program needs is a floor for any server on the same machine and kernel.
 *
 * usage: responder PORT epoll|uring|multishot     (listens on 127.0.0.1:PORT until killed)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <liburing.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#define BUFFER_BYTES 16384
#define MAX_FD 4096

struct connection {
    int fd;
    char in[BUFFER_BYTES];
    int start, end;
    long value_bytes_left; /* of a `set` whose data block has not fully arrived */
    char out[BUFFER_BYTES];
    int out_length;
};

static struct connection *connections[MAX_FD];

static void reply(struct connection *c, const char *text, int length)
{
    memcpy(c->out + c->out_length, text, length);
    c->out_length += length;
}

/* Consumes every complete request in the input and appends its reply. */
static void process(struct connection *c)
{
    for (;;) {
        if (c->value_bytes_left > 0) {
            long available = c->end - c->start;
            if (available < c->value_bytes_left) {
                c->value_bytes_left -= available;
                c->start = c->end;
                break;
            }
            c->start += c->value_bytes_left;
            c->value_bytes_left = 0;
            reply(c, "STORED\r\n", 8);
            continue;
        }
        char *newline = memchr(c->in + c->start, '\n', c->end - c->start);
        if (!newline)
            break;
        char *line = c->in + c->start;
        c->start += (int)(newline - line) + 1;
        if (line[0] == 'g') {
            reply(c, "END\r\n", 5);
        } else if (line[0] == 's') {
            char *last = newline; /* `set <key> <flags> <exptime> <bytes>\r\n`: the last token is the length */
            while (last > line && last[-1] != ' ')
                last--;
            c->value_bytes_left = strtol(last, NULL, 10) + 2;
        } else if (line[0] == 'v') {
            reply(c, "VERSION responder\r\n", 19);
        } else {
            reply(c, "ERROR\r\n", 7);
        }
    }
    if (c->start == c->end) {
        c->start = c->end = 0;
    } else if (c->start > BUFFER_BYTES / 2) {
        memmove(c->in, c->in + c->start, c->end - c->start);
        c->end -= c->start;
        c->start = 0;
    }
}

static int listen_on(int port)
{
    int listener = socket(AF_INET, SOCK_STREAM, 0), one = 1;
    setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in address = {.sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(0x7f000001)};
    if (bind(listener, (void *)&address, sizeof address) || listen(listener, 1024)) {
        perror("bind/listen");
        exit(1);
    }
    return listener;
}

static struct connection *open_connection(int fd)
{
    int one = 1;
    if (fd < 0)
        return NULL;
    if (fd >= MAX_FD) {
        close(fd);
        return NULL;
    }
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    struct connection *c = calloc(1, sizeof *c);
    c->fd = fd;
    connections[fd] = c;
    return c;
}

static void close_connection(struct connection *c)
{
    connections[c->fd] = NULL;
    close(c->fd);
    free(c);
}

static void run_epoll(int listener)
{
    int epoll = epoll_create1(0);
    struct epoll_event event = {.events = EPOLLIN, .data.fd = listener}, events[256];
    epoll_ctl(epoll, EPOLL_CTL_ADD, listener, &event);
    for (;;) {
        int count = epoll_wait(epoll, events, 256, -1);
        for (int i = 0; i < count; i++) {
            int fd = events[i].data.fd;
            if (fd == listener) {
                struct connection *c = open_connection(accept4(listener, NULL, NULL, SOCK_NONBLOCK));
                struct epoll_event added = {.events = EPOLLIN | EPOLLET | EPOLLRDHUP, .data.fd = c ? c->fd : -1};
                if (c)
                    epoll_ctl(epoll, EPOLL_CTL_ADD, c->fd, &added);
                continue;
            }
            struct connection *c = connections[fd];
            while (c) {
                int room = BUFFER_BYTES - c->end;
                ssize_t received = recv(fd, c->in + c->end, room, 0);
                if (received <= 0) {
                    if (received < 0 && errno == EAGAIN)
                        break;
                    close_connection(c);
                    break;
                }
                c->end += (int)received;
                process(c);
                if (c->out_length) {
                    send(fd, c->out, c->out_length, MSG_NOSIGNAL);
                    c->out_length = 0;
                }
                if (received < room)
                    break; /* a short receive drained the socket: wait for the next edge */
            }
        }
    }
}

enum operation { OP_ACCEPT = 1, OP_RECEIVE = 2, OP_SEND = 3 };
#define USER_DATA(op, fd) (((unsigned long)(op) << 32) | (unsigned)(fd))
#define RING_BUFFERS 1024
#define RING_BUFFER_BYTES 4096
#define BUFFER_GROUP 7

static char *ring_memory;
static struct io_uring_buf_ring *buffer_ring;

static void submit_receive(struct io_uring *ring, struct connection *c, int multishot)
{
    struct io_uring_sqe *sqe = io_uring_get_sqe(ring);
    if (multishot) {
        io_uring_prep_recv_multishot(sqe, c->fd, NULL, 0, 0);
        sqe->flags |= IOSQE_BUFFER_SELECT;
        sqe->buf_group = BUFFER_GROUP;
    } else {
        io_uring_prep_recv(sqe, c->fd, c->in + c->end, BUFFER_BYTES - c->end, 0);
    }
    sqe->user_data = USER_DATA(OP_RECEIVE, c->fd);
}

static void setup_buffer_ring(struct io_uring *ring)
{
    void *memory;
    if (posix_memalign(&memory, 4096, RING_BUFFERS * sizeof(struct io_uring_buf)))
        exit(1);
    buffer_ring = memory;
    io_uring_buf_ring_init(buffer_ring);
    struct io_uring_buf_reg registration = {.ring_addr = (unsigned long)buffer_ring, .ring_entries = RING_BUFFERS, .bgid = BUFFER_GROUP};
    int error = io_uring_register_buf_ring(ring, &registration, 0);
    if (error) {
        fprintf(stderr, "io_uring_register_buf_ring: %s\n", strerror(-error));
        exit(1);
    }
    ring_memory = malloc((size_t)RING_BUFFERS * RING_BUFFER_BYTES);
    for (int i = 0; i < RING_BUFFERS; i++)
        io_uring_buf_ring_add(buffer_ring, ring_memory + (size_t)i * RING_BUFFER_BYTES, RING_BUFFER_BYTES, i, io_uring_buf_ring_mask(RING_BUFFERS), i);
    io_uring_buf_ring_advance(buffer_ring, RING_BUFFERS);
}

static void run_uring(int listener, int multishot)
{
    struct io_uring ring;
    struct io_uring_params params = {.flags = IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN};
    int error = io_uring_queue_init_params(1024, &ring, &params);
    if (error) {
        fprintf(stderr, "io_uring_setup: %s\n", strerror(-error));
        exit(1);
    }
    if (multishot)
        setup_buffer_ring(&ring);
    struct io_uring_sqe *sqe = io_uring_get_sqe(&ring);
    io_uring_prep_multishot_accept(sqe, listener, NULL, NULL, 0);
    sqe->user_data = USER_DATA(OP_ACCEPT, listener);
    for (;;) {
        io_uring_submit_and_wait(&ring, 1);
        struct io_uring_cqe *cqe;
        unsigned head, seen = 0;
        io_uring_for_each_cqe(&ring, head, cqe) {
            seen++;
            int op = (int)(cqe->user_data >> 32), fd = (int)(cqe->user_data & 0xffffffff), result = cqe->res;
            if (op == OP_ACCEPT) {
                struct connection *c = result >= 0 ? open_connection(result) : NULL;
                if (c)
                    submit_receive(&ring, c, multishot);
                continue;
            }
            struct connection *c = connections[fd];
            if (!c)
                continue;
            if (op == OP_SEND) {
                /* Unpipelined closed-loop clients send nothing new before this reply arrives. */
                c->out_length = 0;
                continue;
            }
            if (result <= 0) {
                close_connection(c);
                continue;
            }
            if (multishot) {
                int id = (int)(cqe->flags >> IORING_CQE_BUFFER_SHIFT);
                char *data = ring_memory + (size_t)id * RING_BUFFER_BYTES;
                int fits = result <= BUFFER_BYTES - c->end;
                if (fits)
                    memcpy(c->in + c->end, data, result);
                io_uring_buf_ring_add(buffer_ring, data, RING_BUFFER_BYTES, id, io_uring_buf_ring_mask(RING_BUFFERS), 0);
                io_uring_buf_ring_advance(buffer_ring, 1);
                if (!fits) {
                    /* A request line longer than the buffer: not something loadgen sends. */
                    close_connection(c);
                    continue;
                }
            }
            c->end += result;
            process(c);
            if (c->out_length) {
                struct io_uring_sqe *send = io_uring_get_sqe(&ring);
                io_uring_prep_send(send, fd, c->out, c->out_length, MSG_NOSIGNAL);
                send->user_data = USER_DATA(OP_SEND, fd);
            }
            if (!multishot || !(cqe->flags & IORING_CQE_F_MORE))
                submit_receive(&ring, c, multishot);
        }
        io_uring_cq_advance(&ring, seen);
    }
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: responder PORT epoll|uring|multishot\n");
        return 64;
    }
    int listener = listen_on(atoi(argv[1]));
    if (!strcmp(argv[2], "epoll"))
        run_epoll(listener);
    else if (!strcmp(argv[2], "uring"))
        run_uring(listener, 0);
    else if (!strcmp(argv[2], "multishot"))
        run_uring(listener, 1);
    fprintf(stderr, "unknown shape %s\n", argv[2]);
    return 64;
}
