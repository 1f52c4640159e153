/*
 * nfq-impair: a seeded, repeatable network impairment for the lossy benchmarks and tests (there is no netem here).
 *
 * iptables hands packets to this program through NFQUEUE (two queues: one per direction); for each packet it draws
 * three numbers from its own per-queue generator and decides, in this order:
 *   - drop it (probability --loss),
 *   - hold it back until the next packet of the same queue has been let through, so the two swap places
 *     (probability --reorder; a held packet is released after --hold-ms at the latest when no packet follows),
 *   - let it through and send a second copy with a raw socket (probability --duplicate),
 *   - or let it through unchanged.
 * Every packet draws the same three numbers whatever is decided, so the decision for the n-th packet of a queue
 * depends only on the seed, the queue and n: two runs that see the same packets make the same decisions.
 *
 * Copies are sent marked with --mark (SO_MARK) so that the iptables rule that queued the original can leave them
 * alone ("-m mark ! --mark MARK"). A copy of an incoming packet is addressed to this host and is delivered through
 * the loopback device, which the rules of the scripts do not match.
 *
 * Build: gcc -O2 -o nfq-impair nfq-impair.c -lnetfilter_queue   (Debian: libnetfilter-queue-dev)
 * Usage: nfq-impair --queue OUT_QUEUE --queue IN_QUEUE [--loss P] [--reorder P] [--duplicate P] [--seed N]
 *                   [--mark M] [--hold-ms T] [--max-seconds S] [--ready-file PATH]
 * Runs until SIGTERM/SIGINT or --max-seconds (default 3600), then prints its counters, one queue a line, on stdout.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <libnetfilter_queue/libnetfilter_queue.h>
#include <linux/netfilter.h> /* NF_ACCEPT, NF_DROP; after netinet/in.h, which it must not precede */
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_QUEUES 2
#define PACKET_BUFFER (256 * 1024)

/* splitmix64: small, fast, and good enough to draw independent uniform numbers from a 64-bit seed. */
static uint64_t next_random(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* A uniform number in [0, 1) from the top 53 bits. */
static double uniform(uint64_t *state)
{
    return (double)(next_random(state) >> 11) / 9007199254740992.0;
}

struct impaired_queue {
    uint16_t number;
    struct nfq_q_handle *handle;
    uint64_t random;
    int holding;          /* a packet is held back for reordering */
    uint32_t held_id;
    struct timespec held_since;
    unsigned long long seen, passed, dropped, reordered, duplicated, duplicate_failures;
};

static struct impaired_queue queues[MAX_QUEUES];
static int queue_count;
static double loss, reorder, duplicate;
static long hold_ms = 10;
static uint32_t copy_mark = 0x1d;
static int raw_socket = -1;
static volatile sig_atomic_t stopping;

static void on_signal(int signal_number)
{
    (void)signal_number;
    stopping = 1;
}

static long elapsed_ms(const struct timespec *since)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (now.tv_sec - since->tv_sec) * 1000 + (now.tv_nsec - since->tv_nsec) / 1000000;
}

static void release_held(struct impaired_queue *q)
{
    if (!q->holding)
        return;
    q->holding = 0;
    nfq_set_verdict(q->handle, q->held_id, NF_ACCEPT, 0, NULL);
    q->passed++;
}

/* Sends a second copy of an IPv4 packet; the kernel fills in the IP checksum, the TCP checksum is already there. */
static void send_copy(struct impaired_queue *q, const unsigned char *packet, int length)
{
    if (length < (int)sizeof(struct iphdr) || (packet[0] >> 4) != 4) {
        q->duplicate_failures++;
        return;
    }
    const struct iphdr *ip = (const struct iphdr *)packet;
    struct sockaddr_in to = { .sin_family = AF_INET, .sin_addr.s_addr = ip->daddr };
    if (sendto(raw_socket, packet, (size_t)length, 0, (struct sockaddr *)&to, sizeof to) != length)
        q->duplicate_failures++;
    else
        q->duplicated++;
}

static int on_packet(struct nfq_q_handle *handle, struct nfgenmsg *message, struct nfq_data *data, void *context)
{
    (void)message;
    struct impaired_queue *q = context;
    struct nfqnl_msg_packet_hdr *header = nfq_get_msg_packet_hdr(data);
    if (header == NULL)
        return 0;
    uint32_t id = ntohl(header->packet_id);
    q->seen++;
    double drop_draw = uniform(&q->random);
    double reorder_draw = uniform(&q->random);
    double duplicate_draw = uniform(&q->random);

    if (drop_draw < loss) {
        nfq_set_verdict(handle, id, NF_DROP, 0, NULL);
        q->dropped++;
        return 0;
    }
    if (reorder_draw < reorder && !q->holding) {
        q->holding = 1;
        q->held_id = id;
        clock_gettime(CLOCK_MONOTONIC, &q->held_since);
        q->reordered++;
        return 0;
    }
    nfq_set_verdict(handle, id, NF_ACCEPT, 0, NULL);
    q->passed++;
    if (duplicate_draw < duplicate) {
        unsigned char *payload;
        int length = nfq_get_payload(data, &payload);
        if (length > 0)
            send_copy(q, payload, length);
    }
    /* This packet has gone first; the one held back follows it. */
    release_held(q);
    return 0;
}

static double parse_probability(const char *name, const char *text)
{
    char *end;
    double value = strtod(text, &end);
    if (*end != '\0' || value < 0 || value > 1) {
        fprintf(stderr, "nfq-impair: %s must be a probability between 0 and 1, not '%s'\n", name, text);
        exit(2);
    }
    return value;
}

static unsigned long long parse_number(const char *name, const char *text, unsigned long long max)
{
    char *end;
    errno = 0;
    unsigned long long value = strtoull(text, &end, 0);
    if (errno != 0 || *end != '\0' || text[0] == '-' || value > max) {
        fprintf(stderr, "nfq-impair: %s must be a number up to %llu, not '%s'\n", name, max, text);
        exit(2);
    }
    return value;
}

int main(int argc, char **argv)
{
    uint64_t seed = 1;
    long max_seconds = 3600;
    const char *ready_file = NULL;
    for (int i = 1; i < argc; i++) {
        const char *option = argv[i];
        if (i + 1 >= argc) {
            fprintf(stderr, "nfq-impair: %s needs a value\n", option);
            return 2;
        }
        const char *value = argv[++i];
        if (strcmp(option, "--queue") == 0) {
            if (queue_count == MAX_QUEUES) {
                fprintf(stderr, "nfq-impair: at most %d queues\n", MAX_QUEUES);
                return 2;
            }
            queues[queue_count++].number = (uint16_t)parse_number(option, value, 65535);
        } else if (strcmp(option, "--loss") == 0) {
            loss = parse_probability(option, value);
        } else if (strcmp(option, "--reorder") == 0) {
            reorder = parse_probability(option, value);
        } else if (strcmp(option, "--duplicate") == 0) {
            duplicate = parse_probability(option, value);
        } else if (strcmp(option, "--seed") == 0) {
            seed = parse_number(option, value, UINT64_MAX);
        } else if (strcmp(option, "--mark") == 0) {
            copy_mark = (uint32_t)parse_number(option, value, UINT32_MAX);
        } else if (strcmp(option, "--hold-ms") == 0) {
            hold_ms = (long)parse_number(option, value, 10000);
        } else if (strcmp(option, "--max-seconds") == 0) {
            max_seconds = (long)parse_number(option, value, 86400);
        } else if (strcmp(option, "--ready-file") == 0) {
            ready_file = value;
        } else {
            fprintf(stderr, "nfq-impair: unknown option %s\n", option);
            return 2;
        }
    }
    if (queue_count == 0) {
        fprintf(stderr, "nfq-impair: give at least one --queue\n");
        return 2;
    }

    struct sigaction action = { .sa_handler = on_signal };
    sigaction(SIGTERM, &action, NULL);
    sigaction(SIGINT, &action, NULL);

    raw_socket = socket(AF_INET, SOCK_RAW, IPPROTO_RAW);
    if (raw_socket < 0 || setsockopt(raw_socket, SOL_SOCKET, SO_MARK, &copy_mark, sizeof copy_mark) < 0) {
        perror("nfq-impair: raw socket with SO_MARK (needs CAP_NET_RAW and CAP_NET_ADMIN)");
        return 1;
    }
    struct nfq_handle *library = nfq_open();
    if (library == NULL) {
        perror("nfq-impair: nfq_open");
        return 1;
    }
    for (int i = 0; i < queue_count; i++) {
        struct impaired_queue *q = &queues[i];
        /* Each queue its own stream: the seed and the queue number, mixed. */
        q->random = seed ^ ((uint64_t)q->number * 0xd1b54a32d192ed03ULL);
        next_random(&q->random);
        q->handle = nfq_create_queue(library, q->number, on_packet, q);
        if (q->handle == NULL) {
            fprintf(stderr, "nfq-impair: cannot bind queue %u (is another program bound to it?)\n", q->number);
            return 1;
        }
        if (nfq_set_mode(q->handle, NFQNL_COPY_PACKET, 0xffff) < 0) {
            fprintf(stderr, "nfq-impair: cannot ask queue %u for whole packets\n", q->number);
            return 1;
        }
        /* Room for a burst: a full queue would drop packets we never decided on. */
        nfq_set_queue_maxlen(q->handle, 8192);
    }
    int fd = nfq_fd(library);
    int buffer_size = 8 * 1024 * 1024;
    setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &buffer_size, sizeof buffer_size);
    if (ready_file != NULL) {
        FILE *ready = fopen(ready_file, "w");
        if (ready != NULL)
            fclose(ready);
    }

    static char buffer[PACKET_BUFFER] __attribute__((aligned));
    struct timespec started;
    clock_gettime(CLOCK_MONOTONIC, &started);
    unsigned long long receive_failures = 0;
    while (!stopping && elapsed_ms(&started) < max_seconds * 1000L) {
        struct pollfd waiting = { .fd = fd, .events = POLLIN };
        int timeout = 200;
        for (int i = 0; i < queue_count; i++)
            if (queues[i].holding)
                timeout = (int)hold_ms;
        int ready = poll(&waiting, 1, timeout);
        if (ready > 0) {
            ssize_t n = recv(fd, buffer, sizeof buffer, MSG_DONTWAIT);
            if (n > 0)
                nfq_handle_packet(library, buffer, (int)n);
            else if (n < 0 && errno == ENOBUFS)
                receive_failures++; /* the kernel dropped queue messages: counted, reported */
        }
        for (int i = 0; i < queue_count; i++)
            if (queues[i].holding && elapsed_ms(&queues[i].held_since) >= hold_ms)
                release_held(&queues[i]);
    }
    for (int i = 0; i < queue_count; i++) {
        struct impaired_queue *q = &queues[i];
        release_held(q);
        printf("nfq-impair queue %u: seen %llu passed %llu dropped %llu reordered %llu duplicated %llu duplicate-failures %llu\n",
               q->number, q->seen, q->passed, q->dropped, q->reordered, q->duplicated, q->duplicate_failures);
        nfq_destroy_queue(q->handle);
    }
    if (receive_failures > 0)
        printf("nfq-impair: %llu receive overruns (kernel dropped queued packets)\n", receive_failures);
    nfq_close(library);
    close(raw_socket);
    return 0;
}
