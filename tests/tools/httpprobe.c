/*
 * httpprobe: the legitimate users during a SYN flood. Opens COUNT fresh TCP connections to ADDR:PORT at RATE a
 * second on a fixed schedule (open loop: connection i starts at i / RATE seconds whatever happened to the others,
 * the way independent users arrive), sends one "GET / HTTP/1.1" with "Connection: close" on each and measures
 * the time from connect() to the complete response (status line, headers and Content-Length bytes of body). A
 * closed-loop client such as ab stalls or gives up on the first timeout, which hides exactly what a flood does.
 *
 *   httpprobe ADDR PORT COUNT RATE LIMIT_MS THRESHOLD_MS
 *
 * A connection that has no complete 200 response after LIMIT_MS is abandoned. Prints one summary line:
 *
 *   httpprobe: attempted A completed C within THRESHOLD_MS W (P%) median M ms p99 Q ms max X ms;
 *   failed: timeout T refused R reset S bad B
 *
 * where median, p99 and max are over all attempted connections, a failed one counting as infinitely slow ("inf"), and, with -v before the arguments, one line per
 * connection ("conn I start_ms S latency_ms L result R"). Exit status 0 when it ran, 2 on bad arguments.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
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

#define MAX_COUNT 100000L
#define MAX_RATE 100000L
#define MAX_LIMIT_MS 600000L
#define RESPONSE_CAPACITY 8192

enum result { PENDING, DONE, TIMEOUT, REFUSED, RESET, BAD };
static const char *const result_names[] = {"pending", "ok", "timeout", "refused", "reset", "bad"};

struct connection {
    int fd;
    int sent_request;
    int64_t start_ns;
    int64_t latency_ns;
    enum result result;
    size_t received;
    char *response;
};

static int64_t now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000000000LL + t.tv_nsec;
}

static int parse_long(const char *text, long min, long max, long *out)
{
    char *end;
    errno = 0;
    long value = strtol(text, &end, 10);
    if (errno != 0 || *end != '\0' || end == text || value < min || value > max) {
        return -1;
    }
    *out = value;
    return 0;
}

static int compare_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/*
 * 1 when the buffer holds a whole 200 response: headers ended and Content-Length body bytes present (or, without a
 * Content-Length, the peer closed: at_eof); -1 when it is not a 200; 0 while more is to come.
 */
static int response_complete(const char *data, size_t length, int at_eof)
{
    const char *end = memmem(data, length, "\r\n\r\n", 4);
    if (end == NULL) {
        return 0;
    }
    if (length < 12 || strncmp(data, "HTTP/1.", 7) != 0 || strncmp(data + 8, " 200", 4) != 0) {
        return -1;
    }
    size_t header_length = (size_t)(end - data) + 4;
    long content_length = -1;
    for (const char *line = data; line < end;) {
        const char *next = memmem(line, (size_t)(end - line), "\r\n", 2);
        if (next == NULL) {
            next = end;
        }
        if ((size_t)(next - line) > 15 && strncasecmp(line, "content-length:", 15) == 0) {
            content_length = strtol(line + 15, NULL, 10);
        }
        line = next + 2;
    }
    if (content_length < 0) {
        return at_eof;
    }
    return length >= header_length + (size_t)content_length ? 1 : 0;
}

/* The q-quantile (nearest rank) of count latencies of which the sorted completed ones are known; inf if a failure. */
static double percentile(const int64_t *sorted, long completed, long count, double q)
{
    long rank = (long)ceil(q * (double)count);
    if (rank < 1) {
        rank = 1;
    }
    return rank <= completed ? (double)sorted[rank - 1] / 1e6 : INFINITY;
}

static void finish(int epoll_fd, struct connection *c, enum result result, int64_t now)
{
    c->result = result;
    c->latency_ns = now - c->start_ns;
    if (c->fd >= 0) {
        epoll_ctl(epoll_fd, EPOLL_CTL_DEL, c->fd, NULL);
        close(c->fd);
        c->fd = -1;
    }
    free(c->response);
    c->response = NULL;
}

static int usage(void)
{
    fprintf(stderr, "usage: httpprobe [-v] ADDR PORT COUNT RATE LIMIT_MS THRESHOLD_MS\n");
    return 2;
}

int main(int argc, char **argv)
{
    int verbose = 0;
    if (argc > 1 && strcmp(argv[1], "-v") == 0) {
        verbose = 1;
        argv++;
        argc--;
    }
    if (argc != 7) {
        return usage();
    }
    struct sockaddr_in to = {.sin_family = AF_INET};
    long port, count, rate, limit_ms, threshold_ms;
    if (inet_pton(AF_INET, argv[1], &to.sin_addr) != 1 || parse_long(argv[2], 1, 65535, &port) != 0 ||
        parse_long(argv[3], 1, MAX_COUNT, &count) != 0 || parse_long(argv[4], 1, MAX_RATE, &rate) != 0 ||
        parse_long(argv[5], 1, MAX_LIMIT_MS, &limit_ms) != 0 || parse_long(argv[6], 1, MAX_LIMIT_MS, &threshold_ms) != 0) {
        return usage();
    }
    to.sin_port = htons((uint16_t)port);

    /* Up to RATE * LIMIT connections are open at once. */
    struct rlimit files;
    if (getrlimit(RLIMIT_NOFILE, &files) == 0 && files.rlim_cur < files.rlim_max) {
        files.rlim_cur = files.rlim_max;
        setrlimit(RLIMIT_NOFILE, &files);
    }

    char request[256];
    int request_length = snprintf(request, sizeof request,
                                  "GET / HTTP/1.1\r\nHost: %s\r\nUser-Agent: httpprobe\r\nConnection: close\r\n\r\n", argv[1]);

    struct connection *connections = calloc((size_t)count, sizeof *connections);
    int epoll_fd = epoll_create1(EPOLL_CLOEXEC);
    if (connections == NULL || epoll_fd < 0) {
        perror("httpprobe: setup");
        return 1;
    }
    const int64_t limit_ns = limit_ms * 1000000LL;
    const int64_t begin = now_ns();
    long started = 0, open_count = 0;
    struct epoll_event events[256];

    while (started < count || open_count > 0) {
        int64_t now = now_ns();
        while (started < count && begin + (int64_t)((double)started * 1e9 / (double)rate) <= now) {
            struct connection *c = &connections[started];
            c->start_ns = now_ns();
            c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
            if (c->fd < 0) {
                perror("httpprobe: socket");
                return 1;
            }
            int one = 1;
            setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
            struct epoll_event event = {.events = EPOLLOUT | EPOLLIN | EPOLLRDHUP, .data.u64 = (uint64_t)started};
            if (connect(c->fd, (struct sockaddr *)&to, sizeof to) != 0 && errno != EINPROGRESS) {
                finish(epoll_fd, c, errno == ECONNREFUSED ? REFUSED : BAD, now_ns());
            } else if (epoll_ctl(epoll_fd, EPOLL_CTL_ADD, c->fd, &event) != 0) {
                perror("httpprobe: epoll_ctl");
                return 1;
            } else {
                open_count++;
            }
            started++;
        }

        /* Abandon what is past its limit (a linear scan over the open window is cheap at these counts). */
        for (long i = 0; i < started; i++) {
            struct connection *c = &connections[i];
            if (c->result == PENDING && now - c->start_ns >= limit_ns) {
                finish(epoll_fd, c, TIMEOUT, now);
                open_count--;
            }
        }

        int64_t wake = begin + limit_ns * 4 + (int64_t)((double)count * 1e9 / (double)rate);
        if (started < count) {
            int64_t next_start = begin + (int64_t)((double)started * 1e9 / (double)rate);
            wake = next_start < wake ? next_start : wake;
        }
        for (long i = 0; i < started; i++) {
            if (connections[i].result == PENDING) {
                int64_t deadline = connections[i].start_ns + limit_ns;
                wake = deadline < wake ? deadline : wake;
                break; /* started in order, so the first pending one has the earliest deadline */
            }
        }
        int64_t wait_ns = wake - now_ns();
        int timeout_ms = wait_ns <= 0 ? 0 : (int)((wait_ns + 999999) / 1000000);
        int ready = epoll_wait(epoll_fd, events, 256, timeout_ms);
        if (ready < 0 && errno != EINTR) {
            perror("httpprobe: epoll_wait");
            return 1;
        }
        for (int e = 0; e < ready; e++) {
            struct connection *c = &connections[events[e].data.u64];
            if (c->result != PENDING) {
                continue;
            }
            if (!c->sent_request) {
                int error = 0;
                socklen_t length = sizeof error;
                getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &error, &length);
                if (error != 0) {
                    finish(epoll_fd, c, error == ECONNREFUSED ? REFUSED : error == ETIMEDOUT ? TIMEOUT : RESET, now_ns());
                    open_count--;
                    continue;
                }
                if (!(events[e].events & EPOLLOUT)) {
                    continue;
                }
                if (send(c->fd, request, (size_t)request_length, MSG_NOSIGNAL) != request_length) {
                    finish(epoll_fd, c, RESET, now_ns());
                    open_count--;
                    continue;
                }
                c->sent_request = 1;
                c->response = malloc(RESPONSE_CAPACITY);
                struct epoll_event event = {.events = EPOLLIN | EPOLLRDHUP, .data.u64 = events[e].data.u64};
                epoll_ctl(epoll_fd, EPOLL_CTL_MOD, c->fd, &event);
                continue;
            }
            for (;;) {
                if (c->received == RESPONSE_CAPACITY) {
                    finish(epoll_fd, c, BAD, now_ns());
                    open_count--;
                    break;
                }
                ssize_t n = recv(c->fd, c->response + c->received, RESPONSE_CAPACITY - c->received, 0);
                if (n > 0) {
                    c->received += (size_t)n;
                    int complete = response_complete(c->response, c->received, 0);
                    if (complete != 0) {
                        finish(epoll_fd, c, complete > 0 ? DONE : BAD, now_ns());
                        open_count--;
                        break;
                    }
                    continue;
                }
                if (n == 0) {
                    /* EOF before a whole response is a connection cut short. */
                    int complete = response_complete(c->response, c->received, 1);
                    finish(epoll_fd, c, complete > 0 ? DONE : complete < 0 ? BAD : RESET, now_ns());
                    open_count--;
                    break;
                }
                if (errno == EAGAIN || errno == EWOULDBLOCK) {
                    break;
                }
                if (errno != EINTR) {
                    finish(epoll_fd, c, RESET, now_ns());
                    open_count--;
                    break;
                }
            }
        }
    }

    int64_t *latencies = malloc((size_t)count * sizeof *latencies);
    long completed = 0, within = 0, by_result[BAD + 1] = {0};
    for (long i = 0; i < count; i++) {
        struct connection *c = &connections[i];
        by_result[c->result]++;
        if (c->result == DONE) {
            latencies[completed++] = c->latency_ns;
            if (c->latency_ns <= threshold_ms * 1000000LL) {
                within++;
            }
        }
        if (verbose) {
            printf("conn %ld start_ms %.3f latency_ms %.3f result %s\n", i, (double)(c->start_ns - begin) / 1e6,
                   (double)c->latency_ns / 1e6, result_names[c->result]);
        }
    }
    qsort(latencies, (size_t)completed, sizeof *latencies, compare_i64);
    /* Percentiles over every attempted connection, a failed one counting as slower than any completed one. */
    double median = percentile(latencies, completed, count, 0.50);
    double p99 = percentile(latencies, completed, count, 0.99);
    double max = completed == count ? (double)latencies[completed - 1] / 1e6 : INFINITY;
    printf("httpprobe: attempted %ld completed %ld within %ld ms %ld (%.1f%%) median %.1f ms p99 %.1f ms max %.1f ms; "
           "failed: timeout %ld refused %ld reset %ld bad %ld\n",
           count, completed, threshold_ms, within, 100.0 * (double)within / (double)count, median, p99, max, by_result[TIMEOUT],
           by_result[REFUSED], by_result[RESET], by_result[BAD]);
    free(latencies);
    free(connections);
    close(epoll_fd);
    return 0;
}
