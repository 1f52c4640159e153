/*
 * fastsocket-preload.c: the LD_PRELOAD interposer in front of libfastsocket.so (see docs/native.md).
 *
 * It exports libc's socket calls. A call on one of the stack's descriptors (fastsocket_fd_map()[fd] == 1) goes to
 * fastsocket_NAME; every other call goes to libc through dlsym(RTLD_NEXT). AF_INET SOCK_STREAM sockets become the
 * stack's when FASTSOCKET_TUN and FASTSOCKET_ADDRESS are set; the stack starts on the first such socket() call.
 *
 * The library inside (the .NET runtime, the engine) also calls read, write, poll and close, and with this object
 * preloaded those names resolve here. A thread-local flag marks threads that must always reach libc: any thread while
 * it is inside a fastsocket_* call, and the engine thread for its whole life (it writes the sockets' eventfds, whose
 * numbers are in the map).
 *
 * Mixed epoll sets: the epoll descriptor the program sees is a kernel epoll instance. For it the interposer keeps a
 * companion epoll instance of the stack, created on first use. epoll_ctl on one of our sockets goes to the companion,
 * and the socket's eventfd is also added to the kernel instance (EPOLLIN, edge-triggered, tagged) as a wake-up hint.
 * epoll_wait takes the stack's ready events from the companion without blocking; when there are none it blocks in
 * the kernel instance (foreign descriptors and hints), in slices of at most FS_SLICE_MS while the companion has
 * members, because an eventfd cannot announce "writable again" (EPOLLOUT readiness comes only from the stack).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

/* libfastsocket.so's exports (docs/native.md). */
extern uint8_t *fastsocket_fd_map(int *size);
extern int fastsocket_preload_start(const char *device, const char *address, int engine_thread);
extern int fastsocket_preload_poll(int max_ms);
extern void fastsocket_preload_run(void);
extern int fastsocket_socket(int, int, int);
extern int fastsocket_bind(int, const struct sockaddr *, socklen_t);
extern int fastsocket_listen(int, int);
extern int fastsocket_accept(int, struct sockaddr *, socklen_t *);
extern int fastsocket_accept4(int, struct sockaddr *, socklen_t *, int);
extern int fastsocket_connect(int, const struct sockaddr *, socklen_t);
extern ssize_t fastsocket_read(int, void *, size_t);
extern ssize_t fastsocket_readv(int, const struct iovec *, int);
extern ssize_t fastsocket_recv(int, void *, size_t, int);
extern ssize_t fastsocket_recvfrom(int, void *, size_t, int, struct sockaddr *, socklen_t *);
extern ssize_t fastsocket_recvmsg(int, struct msghdr *, int);
extern ssize_t fastsocket_write(int, const void *, size_t);
extern ssize_t fastsocket_writev(int, const struct iovec *, int);
extern ssize_t fastsocket_send(int, const void *, size_t, int);
extern ssize_t fastsocket_sendto(int, const void *, size_t, int, const struct sockaddr *, socklen_t);
extern ssize_t fastsocket_sendmsg(int, const struct msghdr *, int);
extern int fastsocket_close(int);
extern int fastsocket_shutdown(int, int);
extern int fastsocket_getsockopt(int, int, int, void *, socklen_t *);
extern int fastsocket_setsockopt(int, int, int, const void *, socklen_t);
extern int fastsocket_getsockname(int, struct sockaddr *, socklen_t *);
extern int fastsocket_getpeername(int, struct sockaddr *, socklen_t *);
extern int fastsocket_fcntl(int, int, long);
extern int fastsocket_ioctl(int, unsigned long, void *);
extern int fastsocket_poll(struct pollfd *, unsigned long, int);
extern int fastsocket_epoll_create1(int);
extern int fastsocket_epoll_ctl(int, int, int, struct epoll_event *);
extern int fastsocket_epoll_wait(int, struct epoll_event *, int, int);

#define FS_SLICE_MS 2
/* Longest the program's thread sleeps in inline mode before it runs the engine again with no timer due. */
#define FS_INLINE_MAX_MS 1000
#define FS_MAX_FD 65536
/* Tag of a hint entry in a kernel epoll set: high bits no pointer or small integer the program stores has. */
#define FS_HINT_TAG 0xF5F5000000000000ULL

static __thread int fs_bypass __attribute__((tls_model("initial-exec")));
static uint8_t *fs_map;
static int fs_map_size;
static int fs_enabled = -1; /* -1: environment not read yet */
static pid_t fs_started_pid;
static int fs_inline;      /* FASTSOCKET_ENGINE=inline: the engine runs inside the program's epoll_wait and poll */
static int fs_tun_fd = -1; /* inline mode: the TUN queue's descriptor, a wake-up source in the program's epoll sets */
static pthread_mutex_t fs_start_lock = PTHREAD_MUTEX_INITIALIZER;

/* Companion epoll instance of the stack per kernel epoll descriptor (0: none), and members it holds. */
static int fs_companion[FS_MAX_FD];
static int fs_companion_members[FS_MAX_FD];

#define REAL(ret, name, ...)                                                   \
    static ret (*real_##name)(__VA_ARGS__);                                    \
    static ret (*get_##name(void))(__VA_ARGS__) {                              \
        if (!real_##name) *(void **)&real_##name = dlsym(RTLD_NEXT, #name);    \
        return real_##name;                                                    \
    }

REAL(int, socket, int, int, int)
REAL(int, bind, int, const struct sockaddr *, socklen_t)
REAL(int, listen, int, int)
REAL(int, accept, int, struct sockaddr *, socklen_t *)
REAL(int, accept4, int, struct sockaddr *, socklen_t *, int)
REAL(int, connect, int, const struct sockaddr *, socklen_t)
REAL(ssize_t, read, int, void *, size_t)
REAL(ssize_t, readv, int, const struct iovec *, int)
REAL(ssize_t, recv, int, void *, size_t, int)
REAL(ssize_t, recvfrom, int, void *, size_t, int, struct sockaddr *, socklen_t *)
REAL(ssize_t, recvmsg, int, struct msghdr *, int)
REAL(ssize_t, write, int, const void *, size_t)
REAL(ssize_t, writev, int, const struct iovec *, int)
REAL(ssize_t, send, int, const void *, size_t, int)
REAL(ssize_t, sendto, int, const void *, size_t, int, const struct sockaddr *, socklen_t)
REAL(ssize_t, sendmsg, int, const struct msghdr *, int)
REAL(int, close, int)
REAL(int, shutdown, int, int)
REAL(int, getsockopt, int, int, int, void *, socklen_t *)
REAL(int, setsockopt, int, int, int, const void *, socklen_t)
REAL(int, getsockname, int, struct sockaddr *, socklen_t *)
REAL(int, getpeername, int, struct sockaddr *, socklen_t *)
REAL(int, fcntl, int, int, ...)
REAL(int, fcntl64, int, int, ...)
REAL(int, ioctl, int, unsigned long, ...)
REAL(int, poll, struct pollfd *, nfds_t, int)
REAL(int, epoll_create, int)
REAL(int, epoll_create1, int)
REAL(int, epoll_ctl, int, int, int, struct epoll_event *)
REAL(int, epoll_wait, int, struct epoll_event *, int, int)
REAL(int, epoll_pwait, int, struct epoll_event *, int, int, const sigset_t *)
REAL(ssize_t, sendfile, int, int, off_t *, size_t)
REAL(ssize_t, sendfile64, int, int, off64_t *, size_t)

/* Runs a fastsocket_* call with the bypass flag set, so the library's own libc calls reach libc. */
#define FS(call)                                                               \
    ({                                                                         \
        int fs_saved_ = fs_bypass;                                             \
        fs_bypass = 1;                                                         \
        __typeof__(call) fs_result_ = (call);                                  \
        fs_bypass = fs_saved_;                                                 \
        fs_result_;                                                            \
    })

static inline int fs_ours(int fd)
{
    uint8_t *map = __atomic_load_n(&fs_map, __ATOMIC_ACQUIRE);
    return !fs_bypass && map && fd >= 0 && fd < fs_map_size && map[fd];
}

static void *fs_engine_main(void *arg)
{
    (void)arg;
    fs_bypass = 1;
    fastsocket_preload_run();
    return NULL;
}

/* The descriptor the library opened on /dev/net/tun (it does not hand it out). */
static int fs_find_tun_fd(void)
{
    DIR *dir = opendir("/proc/self/fd");
    if (!dir)
        return -1;
    int found = -1;
    struct dirent *entry;
    char path[64], target[64];
    while ((entry = readdir(dir)) != NULL) {
        int fd = atoi(entry->d_name);
        snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
        ssize_t n = readlink(path, target, sizeof target - 1);
        if (n > 0) {
            target[n] = 0;
            if (strcmp(target, "/dev/net/tun") == 0)
                found = fd;
        }
    }
    closedir(dir);
    return found;
}

/* Inline mode: runs the engine once and returns how long the caller may sleep (ms, at most max); else max. */
static int fs_pump(int max)
{
    if (!fs_inline || !fs_map)
        return max;
    int next = FS(fastsocket_preload_poll(max));
    return next < 0 ? max : next;
}

/* Starts the stack in this process on first use; 1 when it runs. */
static int fs_ensure_started(void)
{
    if (fs_enabled == 0)
        return 0;
    if (fs_map && fs_started_pid == getpid())
        return 1;
    pthread_mutex_lock(&fs_start_lock);
    int ok = 0;
    if (fs_map && fs_started_pid == getpid()) {
        ok = 1;
    } else if (fs_map) {
        /* A forked child: the parent's runtime threads do not exist here (see docs/native.md). */
        static const char msg[] = "fastsocket-preload: socket after fork is not supported; run with master_process off\n";
        ssize_t ignored = get_write()(2, msg, sizeof msg - 1);
        (void)ignored;
    } else {
        const char *device = getenv("FASTSOCKET_TUN");
        const char *address = getenv("FASTSOCKET_ADDRESS");
        if (!device || !*device || !address || !*address) {
            fs_enabled = 0;
        } else {
            /* Runtime and engine threads start with every signal blocked: the program's handlers are for its own threads. */
            sigset_t all, old;
            sigfillset(&all);
            pthread_sigmask(SIG_SETMASK, &all, &old);
            const char *engine_mode = getenv("FASTSOCKET_ENGINE");
            fs_inline = engine_mode && strcmp(engine_mode, "inline") == 0;
            fs_bypass = 1;
            int started = fastsocket_preload_start(device, address, !fs_inline);
            fs_bypass = 0;
            pthread_t engine;
            if (started == 0 && fs_inline)
                fs_tun_fd = fs_find_tun_fd();
            if (started == 0 && (fs_inline ? fs_tun_fd >= 0 : pthread_create(&engine, NULL, fs_engine_main, NULL) == 0)) {
                if (!fs_inline)
                    pthread_detach(engine);
                int size = 0;
                uint8_t *map = FS(fastsocket_fd_map(&size));
                fs_map_size = size;
                fs_started_pid = getpid();
                __atomic_store_n(&fs_map, map, __ATOMIC_RELEASE);
                fs_enabled = 1;
                ok = map != NULL;
            } else {
                fs_enabled = 0;
            }
            pthread_sigmask(SIG_SETMASK, &old, NULL);
        }
    }
    pthread_mutex_unlock(&fs_start_lock);
    return ok;
}

int socket(int domain, int type, int protocol)
{
    if (!fs_bypass && domain == AF_INET && (type & 0xf) == SOCK_STREAM && fs_ensure_started())
        return FS(fastsocket_socket(domain, type, protocol));
    return get_socket()(domain, type, protocol);
}

int bind(int fd, const struct sockaddr *a, socklen_t l) { return fs_ours(fd) ? FS(fastsocket_bind(fd, a, l)) : get_bind()(fd, a, l); }
int listen(int fd, int b) { return fs_ours(fd) ? FS(fastsocket_listen(fd, b)) : get_listen()(fd, b); }
int accept(int fd, struct sockaddr *a, socklen_t *l) { return fs_ours(fd) ? FS(fastsocket_accept(fd, a, l)) : get_accept()(fd, a, l); }
int accept4(int fd, struct sockaddr *a, socklen_t *l, int f) { return fs_ours(fd) ? FS(fastsocket_accept4(fd, a, l, f)) : get_accept4()(fd, a, l, f); }
int connect(int fd, const struct sockaddr *a, socklen_t l) { return fs_ours(fd) ? FS(fastsocket_connect(fd, a, l)) : get_connect()(fd, a, l); }
ssize_t read(int fd, void *b, size_t n) { return fs_ours(fd) ? FS(fastsocket_read(fd, b, n)) : get_read()(fd, b, n); }
ssize_t readv(int fd, const struct iovec *v, int n) { return fs_ours(fd) ? FS(fastsocket_readv(fd, v, n)) : get_readv()(fd, v, n); }
ssize_t recv(int fd, void *b, size_t n, int f) { return fs_ours(fd) ? FS(fastsocket_recv(fd, b, n, f)) : get_recv()(fd, b, n, f); }
ssize_t recvfrom(int fd, void *b, size_t n, int f, struct sockaddr *a, socklen_t *l) { return fs_ours(fd) ? FS(fastsocket_recvfrom(fd, b, n, f, a, l)) : get_recvfrom()(fd, b, n, f, a, l); }
ssize_t recvmsg(int fd, struct msghdr *m, int f) { return fs_ours(fd) ? FS(fastsocket_recvmsg(fd, m, f)) : get_recvmsg()(fd, m, f); }
ssize_t write(int fd, const void *b, size_t n) { return fs_ours(fd) ? FS(fastsocket_write(fd, b, n)) : get_write()(fd, b, n); }
ssize_t writev(int fd, const struct iovec *v, int n) { return fs_ours(fd) ? FS(fastsocket_writev(fd, v, n)) : get_writev()(fd, v, n); }
ssize_t send(int fd, const void *b, size_t n, int f) { return fs_ours(fd) ? FS(fastsocket_send(fd, b, n, f)) : get_send()(fd, b, n, f); }
ssize_t sendto(int fd, const void *b, size_t n, int f, const struct sockaddr *a, socklen_t l) { return fs_ours(fd) ? FS(fastsocket_sendto(fd, b, n, f, a, l)) : get_sendto()(fd, b, n, f, a, l); }
ssize_t sendmsg(int fd, const struct msghdr *m, int f) { return fs_ours(fd) ? FS(fastsocket_sendmsg(fd, m, f)) : get_sendmsg()(fd, m, f); }
int shutdown(int fd, int how) { return fs_ours(fd) ? FS(fastsocket_shutdown(fd, how)) : get_shutdown()(fd, how); }
int getsockopt(int fd, int lv, int nm, void *v, socklen_t *l) { return fs_ours(fd) ? FS(fastsocket_getsockopt(fd, lv, nm, v, l)) : get_getsockopt()(fd, lv, nm, v, l); }
int setsockopt(int fd, int lv, int nm, const void *v, socklen_t l) { return fs_ours(fd) ? FS(fastsocket_setsockopt(fd, lv, nm, v, l)) : get_setsockopt()(fd, lv, nm, v, l); }
int getsockname(int fd, struct sockaddr *a, socklen_t *l) { return fs_ours(fd) ? FS(fastsocket_getsockname(fd, a, l)) : get_getsockname()(fd, a, l); }
int getpeername(int fd, struct sockaddr *a, socklen_t *l) { return fs_ours(fd) ? FS(fastsocket_getpeername(fd, a, l)) : get_getpeername()(fd, a, l); }

int close(int fd)
{
    if (fs_ours(fd))
        return FS(fastsocket_close(fd));
    if (!fs_bypass && fd >= 0 && fd < FS_MAX_FD && fs_companion[fd] > 0) {
        int companion = fs_companion[fd];
        fs_companion[fd] = 0;
        fs_companion_members[fd] = 0;
        FS(fastsocket_close(companion));
    }
    return get_close()(fd);
}

int fcntl(int fd, int cmd, ...)
{
    va_list ap;
    va_start(ap, cmd);
    long arg = va_arg(ap, long);
    va_end(ap);
    if (fs_ours(fd))
        return FS(fastsocket_fcntl(fd, cmd, arg));
    return get_fcntl()(fd, cmd, arg);
}

/* Programs built with 64-bit file offsets (glibc 2.28 on) call fcntl64. */
int fcntl64(int fd, int cmd, ...)
{
    va_list ap;
    va_start(ap, cmd);
    long arg = va_arg(ap, long);
    va_end(ap);
    if (fs_ours(fd))
        return FS(fastsocket_fcntl(fd, cmd, arg));
    return get_fcntl64()(fd, cmd, arg);
}

int ioctl(int fd, unsigned long request, ...)
{
    va_list ap;
    va_start(ap, request);
    void *arg = va_arg(ap, void *);
    va_end(ap);
    if (fs_ours(fd))
        return FS(fastsocket_ioctl(fd, request, arg));
    return get_ioctl()(fd, request, arg);
}

static long fs_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

int poll(struct pollfd *fds, nfds_t n, int timeout)
{
    nfds_t mine = 0;
    for (nfds_t i = 0; i < n; i++)
        if (fs_ours(fds[i].fd))
            mine++;
    if (mine == 0)
        return get_poll()(fds, n, timeout);
    if (mine == n && !fs_inline)
        return FS(fastsocket_poll(fds, n, timeout));
    /* Mixed: the stack's readiness for ours, the kernel's for the rest, in short slices until one is ready. */
    long deadline = timeout < 0 ? -1 : fs_now_ms() + timeout;
    struct pollfd one;
    for (;;) {
        int next = fs_pump(FS_SLICE_MS);
        int ready = 0;
        for (nfds_t i = 0; i < n; i++) {
            one = fds[i];
            one.revents = 0;
            int r = fs_ours(one.fd) ? FS(fastsocket_poll(&one, 1, 0)) : get_poll()(&one, 1, 0);
            if (r < 0)
                return -1;
            fds[i].revents = one.revents;
            if (one.revents)
                ready++;
        }
        if (ready > 0)
            return ready;
        long left = deadline < 0 ? FS_SLICE_MS : deadline - fs_now_ms();
        if (left <= 0)
            return 0;
        int wait = left < FS_SLICE_MS ? (int)left : FS_SLICE_MS;
        if (fs_inline) {
            /* The engine runs here: sleep until a packet arrives on the device or the next timer. */
            struct pollfd device = {.fd = fs_tun_fd, .events = POLLIN};
            get_poll()(&device, 1, wait < next ? wait : next);
        } else {
            struct timespec pause = {0, wait * 1000000L};
            nanosleep(&pause, NULL);
        }
    }
}

int epoll_create(int size)
{
    return get_epoll_create()(size);
}

int epoll_create1(int flags)
{
    return get_epoll_create1()(flags);
}

int epoll_ctl(int epfd, int op, int fd, struct epoll_event *ev)
{
    if (!fs_ours(fd) || epfd < 0 || epfd >= FS_MAX_FD)
        return get_epoll_ctl()(epfd, op, fd, ev);
    if (fs_companion[epfd] <= 0) {
        int companion = FS(fastsocket_epoll_create1(EPOLL_CLOEXEC));
        if (companion < 0)
            return -1;
        fs_companion[epfd] = companion;
        if (fs_inline) {
            /* Packets for the stack wake this epoll instance: its epoll_wait runs the engine. */
            struct epoll_event device = {.events = EPOLLIN, .data.u64 = FS_HINT_TAG | 0xFFFFu};
            get_epoll_ctl()(epfd, EPOLL_CTL_ADD, fs_tun_fd, &device);
        }
    }
    int r = FS(fastsocket_epoll_ctl(fs_companion[epfd], op, fd, ev));
    if (r < 0)
        return r;
    struct epoll_event hint = {.events = EPOLLIN | EPOLLET, .data.u64 = FS_HINT_TAG | (uint32_t)fd};
    if (op == EPOLL_CTL_ADD) {
        fs_companion_members[epfd]++;
        get_epoll_ctl()(epfd, EPOLL_CTL_ADD, fd, &hint);
    } else if (op == EPOLL_CTL_DEL) {
        fs_companion_members[epfd]--;
        get_epoll_ctl()(epfd, EPOLL_CTL_DEL, fd, &hint);
    }
    return r;
}

/* Kernel events without the hints; returns how many were kept. */
static int fs_kernel_events(int epfd, struct epoll_event *events, int max, int timeout, const sigset_t *mask, int *hinted)
{
    int n = mask ? get_epoll_pwait()(epfd, events, max, timeout, mask) : get_epoll_wait()(epfd, events, max, timeout);
    if (n <= 0)
        return n;
    int kept = 0;
    for (int i = 0; i < n; i++) {
        if ((events[i].data.u64 & 0xFFFF000000000000ULL) == FS_HINT_TAG)
            (*hinted)++;
        else
            events[kept++] = events[i];
    }
    return kept;
}

/*
 * The program's asynchronous signals (1 to 31, less those the hardware raises, which the runtime inside handles) are
 * held while epoll_wait works in user space and let through only inside its kernel waits (epoll_pwait with the
 * program's mask), as pselect does: a signal that arrives meanwhile interrupts the next kernel wait with EINTR instead
 * of going unnoticed while the program sleeps.
 */
static void fs_async_signals(sigset_t *set)
{
    sigemptyset(set);
    for (int sig = 1; sig < 32; sig++)
        if (sig != SIGSEGV && sig != SIGBUS && sig != SIGFPE && sig != SIGILL && sig != SIGTRAP && sig != SIGABRT &&
            sig != SIGKILL && sig != SIGSTOP)
            sigaddset(set, sig);
}

static int fs_epoll_wait_held(int epfd, int companion, struct epoll_event *events, int max, int timeout, const sigset_t *mask);

static int fs_epoll_wait(int epfd, struct epoll_event *events, int max, int timeout, const sigset_t *mask)
{
    int companion = (epfd >= 0 && epfd < FS_MAX_FD && !fs_bypass) ? fs_companion[epfd] : 0;
    if (companion <= 0 || max <= 0)
        return mask ? get_epoll_pwait()(epfd, events, max, timeout, mask) : get_epoll_wait()(epfd, events, max, timeout);
    sigset_t hold, old;
    fs_async_signals(&hold);
    pthread_sigmask(SIG_BLOCK, &hold, &old);
    int r = fs_epoll_wait_held(epfd, companion, events, max, timeout, mask ? mask : &old);
    int saved = errno;
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    errno = saved;
    return r;
}

static int fs_epoll_wait_held(int epfd, int companion, struct epoll_event *events, int max, int timeout, const sigset_t *mask)
{
    long deadline = timeout < 0 ? -1 : fs_now_ms() + timeout;
    for (;;) {
        int next = fs_pump(FS_INLINE_MAX_MS);
        int n = FS(fastsocket_epoll_wait(companion, events, max, 0));
        if (n < 0)
            return n;
        int hinted = 0;
        if (n > 0) {
            /* Also hand out whatever foreign descriptor is ready now, without waiting. */
            int k = fs_kernel_events(epfd, events + n, max - n, 0, NULL, &hinted);
            return k > 0 ? n + k : n;
        }
        long left = deadline < 0 ? FS_SLICE_MS : deadline - fs_now_ms();
        if (left < 0)
            left = 0;
        int slice;
        if (fs_inline)
            /* Readiness changes only when the engine runs, and it runs here: wait for a packet, a foreign descriptor
               or the next timer. */
            slice = deadline < 0 || left > next ? next : (int)left;
        else
            slice = fs_companion_members[epfd] > 0 && left > FS_SLICE_MS ? FS_SLICE_MS : (int)left;
        int k = fs_kernel_events(epfd, events, max, slice, mask, &hinted);
        if (k < 0)
            return k;
        if (k > 0) {
            int m = FS(fastsocket_epoll_wait(companion, events + k, max - k, 0));
            return m > 0 ? k + m : k;
        }
        if (hinted == 0 && deadline >= 0 && fs_now_ms() >= deadline)
            return 0;
    }
}

int epoll_wait(int epfd, struct epoll_event *events, int max, int timeout) { return fs_epoll_wait(epfd, events, max, timeout, NULL); }
int epoll_pwait(int epfd, struct epoll_event *events, int max, int timeout, const sigset_t *mask) { return fs_epoll_wait(epfd, events, max, timeout, mask); }

/* No zero-copy path into the stack: read a chunk of the file and write it to the socket. */
static ssize_t fs_sendfile(int out, int in, off64_t *offset, size_t count)
{
    char buffer[65536];
    size_t want = count < sizeof buffer ? count : sizeof buffer;
    ssize_t got = offset ? pread64(in, buffer, want, *offset) : get_read()(in, buffer, want);
    if (got <= 0)
        return got;
    ssize_t sent = FS(fastsocket_write(out, buffer, (size_t)got));
    if (sent < 0)
        return sent;
    if (offset)
        *offset += sent;
    else if (sent < got)
        lseek(in, sent - got, SEEK_CUR);
    return sent;
}

ssize_t sendfile(int out, int in, off_t *offset, size_t count)
{
    if (!fs_ours(out))
        return get_sendfile()(out, in, offset, count);
    off64_t at = offset ? *offset : 0;
    ssize_t sent = fs_sendfile(out, in, offset ? &at : NULL, count);
    if (offset)
        *offset = (off_t)at;
    return sent;
}

ssize_t sendfile64(int out, int in, off64_t *offset, size_t count)
{
    return fs_ours(out) ? fs_sendfile(out, in, offset, count) : get_sendfile64()(out, in, offset, count);
}
