/*
 * preload-wait.c: the waits (poll, ppoll, select, pselect, epoll) over sets that may mix the stack's sockets with the
 * process's other descriptors.
 *
 * Readiness of our sockets comes from the stack, never from the kernel's view of their eventfds: an eventfd cannot say
 * "not writable". poll over only our sockets goes to fastsocket_poll (it blocks in the stack); over a mix each side is
 * polled without blocking, in slices of FS_SLICE_MS. select and pselect become that poll.
 *
 * Mixed epoll sets: the epoll descriptor the program sees is a kernel epoll instance. For it the interposer keeps a
 * companion epoll instance of the stack, created on first use. epoll_ctl on one of our sockets goes to the companion,
 * and the socket's eventfd is also added to the kernel instance (EPOLLIN, edge-triggered, tagged) as a wake-up hint.
 * epoll_wait takes the stack's ready events from the companion without blocking; when there are none it blocks in
 * the kernel instance (foreign descriptors and hints), in slices of at most FS_SLICE_MS while the companion has
 * members, because an eventfd cannot announce "writable again" (EPOLLOUT readiness comes only from the stack).
 *
 * FASTSOCKET_ENGINE=inline: no engine thread; every wait here runs the engine once (fs_pump) before it looks at
 * readiness and then sleeps on the TUN queue (a packet), the program's descriptors or the next timer.
 */
#include "preload.h"

#include <string.h>
#include <time.h>

#define FS_SLICE_MS 2
/* Longest the program's thread sleeps in inline mode before it runs the engine again with no timer due. */
#define FS_INLINE_MAX_MS 1000
/* Tag of a hint entry in a kernel epoll set: high bits no pointer or small integer the program stores has. */
#define FS_HINT_TAG 0xF5F5000000000000ULL

REAL(int, poll, struct pollfd *, nfds_t, int)
REAL(int, ppoll, struct pollfd *, nfds_t, const struct timespec *, const sigset_t *)
REAL(int, select, int, fd_set *, fd_set *, fd_set *, struct timeval *)
REAL(int, pselect, int, fd_set *, fd_set *, fd_set *, const struct timespec *, const sigset_t *)
REAL(int, epoll_create, int)
REAL(int, epoll_create1, int)
REAL(int, epoll_ctl, int, int, int, struct epoll_event *)
REAL(int, epoll_wait, int, struct epoll_event *, int, int)
REAL(int, epoll_pwait, int, struct epoll_event *, int, int, const sigset_t *)

/* Companion epoll instance of the stack per kernel epoll descriptor (0: none), and members it holds. */
static int fs_companion[FS_MAX_FD];
static int fs_companion_members[FS_MAX_FD];

FS_HIDDEN void fs_forget_companion(int epfd)
{
    if (epfd >= 0 && epfd < FS_MAX_FD && fs_companion[epfd] > 0) {
        int companion = fs_companion[epfd];
        fs_companion[epfd] = 0;
        fs_companion_members[epfd] = 0;
        if (fs_running_here())
            FS(fastsocket_close(companion));
    }
}

FS_HIDDEN void fs_forget_all_companions(void)
{
    memset(fs_companion, 0, sizeof fs_companion);
    memset(fs_companion_members, 0, sizeof fs_companion_members);
}

static long fs_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/* Inline mode: runs the engine once and returns how long the caller may sleep (ms, at most max); else max. */
static int fs_pump(int max)
{
    if (!fs_inline || !fs_running_here())
        return max;
    int next = FS(fastsocket_preload_poll(max));
    return next < 0 ? max : next;
}

/* poll over a set with at least one of our sockets; the caller has routed every descriptor (deferred ones made ours). */
static int fs_poll_mixed(struct pollfd *fds, nfds_t n, int timeout)
{
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
            if (get_poll()(&device, 1, wait < next ? wait : next) < 0 && errno == EINTR)
                return -1;
        } else {
            struct timespec pause = {0, wait * 1000000L};
            if (nanosleep(&pause, NULL) < 0)
                return -1; /* EINTR: a signal handler ran, as it ends the kernel's poll */
        }
    }
}

/* poll, with the sets routed: -2 when none of the descriptors is ours (the caller asks libc). */
static int fs_poll(struct pollfd *fds, nfds_t n, int timeout)
{
    nfds_t mine = 0;
    for (nfds_t i = 0; i < n; i++) {
        int where = fs_route(fds[i].fd);
        if (where < 0)
            return -1;
        mine += where;
    }
    if (mine == 0)
        return -2;
    if (mine == n && !fs_inline)
        return FS(fastsocket_poll(fds, n, timeout));
    return fs_poll_mixed(fds, n, timeout);
}

/* The caller's signal mask while a ppoll or pselect waits here (not atomic with the wait, unlike the kernel's). */
static int fs_poll_masked(struct pollfd *fds, nfds_t n, int timeout, const sigset_t *mask)
{
    sigset_t old;
    if (mask)
        pthread_sigmask(SIG_SETMASK, mask, &old);
    int r = fs_poll(fds, n, timeout);
    int saved = errno;
    if (mask)
        pthread_sigmask(SIG_SETMASK, &old, NULL);
    errno = saved;
    return r;
}

static int fs_timespec_ms(const struct timespec *ts)
{
    if (!ts)
        return -1;
    long long ms = (long long)ts->tv_sec * 1000 + (ts->tv_nsec + 999999) / 1000000;
    return ms > 0x7fffffff ? 0x7fffffff : (int)ms;
}

int poll(struct pollfd *fds, nfds_t n, int timeout)
{
    if (fs_bypass)
        return get_poll()(fds, n, timeout);
    int r = fs_poll(fds, n, timeout);
    return r == -2 ? get_poll()(fds, n, timeout) : r;
}

int __poll_chk(struct pollfd *fds, nfds_t n, int timeout, size_t size)
{
    (void)size;
    return poll(fds, n, timeout);
}

int ppoll(struct pollfd *fds, nfds_t n, const struct timespec *ts, const sigset_t *mask)
{
    if (fs_bypass)
        return get_ppoll()(fds, n, ts, mask);
    int r = fs_poll_masked(fds, n, fs_timespec_ms(ts), mask);
    return r == -2 ? get_ppoll()(fds, n, ts, mask) : r;
}

/*
 * select and pselect over sets holding one of our sockets become a poll (readable: POLLIN, POLLHUP or POLLERR;
 * writable: POLLOUT or POLLERR; exceptional: POLLPRI, as the kernel maps them); -2 when none of the descriptors is ours.
 */
static int fs_select(int nfds, fd_set *r, fd_set *w, fd_set *e, int timeout, const sigset_t *mask)
{
    if (nfds < 0 || nfds > FD_SETSIZE)
        return -2;
    struct pollfd fds[FD_SETSIZE];
    nfds_t n = 0;
    int mine = 0;
    for (int fd = 0; fd < nfds; fd++) {
        short events = (r && FD_ISSET(fd, r) ? POLLIN : 0) | (w && FD_ISSET(fd, w) ? POLLOUT : 0) |
                       (e && FD_ISSET(fd, e) ? POLLPRI : 0);
        if (!events)
            continue;
        if (fs_ours(fd) || fs_deferred_sockets[fd])
            mine = 1;
        fds[n].fd = fd;
        fds[n].events = events;
        fds[n].revents = 0;
        n++;
    }
    if (!mine)
        return -2;
    int ready = fs_poll_masked(fds, n, timeout, mask);
    if (ready < 0)
        return ready;
    for (nfds_t i = 0; i < n; i++)
        if (fds[i].revents & POLLNVAL) {
            errno = EBADF;
            return -1;
        }
    if (r)
        FD_ZERO(r);
    if (w)
        FD_ZERO(w);
    if (e)
        FD_ZERO(e);
    int count = 0;
    for (nfds_t i = 0; i < n; i++) {
        short got = fds[i].revents;
        if ((fds[i].events & POLLIN) && (got & (POLLIN | POLLHUP | POLLERR))) {
            FD_SET(fds[i].fd, r);
            count++;
        }
        if ((fds[i].events & POLLOUT) && (got & (POLLOUT | POLLERR))) {
            FD_SET(fds[i].fd, w);
            count++;
        }
        if ((fds[i].events & POLLPRI) && (got & POLLPRI)) {
            FD_SET(fds[i].fd, e);
            count++;
        }
    }
    return count;
}

int select(int nfds, fd_set *r, fd_set *w, fd_set *e, struct timeval *tv)
{
    if (fs_bypass)
        return get_select()(nfds, r, w, e, tv);
    long start = fs_now_ms();
    int timeout = -1;
    if (tv) {
        long long ms = (long long)tv->tv_sec * 1000 + (tv->tv_usec + 999) / 1000;
        timeout = ms > 0x7fffffff ? 0x7fffffff : (int)ms;
    }
    int result = fs_select(nfds, r, w, e, timeout, NULL);
    if (result == -2)
        return get_select()(nfds, r, w, e, tv);
    if (tv && result >= 0) {
        /* Linux leaves the time not slept in the timeval. */
        long left = timeout - (fs_now_ms() - start);
        if (left < 0)
            left = 0;
        tv->tv_sec = left / 1000;
        tv->tv_usec = (left % 1000) * 1000;
    }
    return result;
}

int pselect(int nfds, fd_set *r, fd_set *w, fd_set *e, const struct timespec *ts, const sigset_t *mask)
{
    if (fs_bypass)
        return get_pselect()(nfds, r, w, e, ts, mask);
    int result = fs_select(nfds, r, w, e, fs_timespec_ms(ts), mask);
    return result == -2 ? get_pselect()(nfds, r, w, e, ts, mask) : result;
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
    int where = (epfd >= 0 && epfd < FS_MAX_FD) ? fs_route(fd) : 0;
    if (where < 0)
        return -1;
    if (where == 0)
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
    /* EPOLLEXCLUSIVE spreads wake-ups of one kernel object over waiters; each process here has its own stack. */
    struct epoll_event copy;
    struct epoll_event *mine = ev;
    if (ev && (ev->events & EPOLLEXCLUSIVE)) {
        copy = *ev;
        copy.events &= ~EPOLLEXCLUSIVE;
        mine = &copy;
    }
    int r = FS(fastsocket_epoll_ctl(fs_companion[epfd], op, fd, mine));
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

static int fs_epoll_wait(int epfd, struct epoll_event *events, int max, int timeout, const sigset_t *mask)
{
    int companion = (epfd >= 0 && epfd < FS_MAX_FD && !fs_bypass && fs_running_here()) ? fs_companion[epfd] : 0;
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

int epoll_wait(int epfd, struct epoll_event *events, int max, int timeout) { return fs_epoll_wait(epfd, events, max, timeout, NULL); }
int epoll_pwait(int epfd, struct epoll_event *events, int max, int timeout, const sigset_t *mask) { return fs_epoll_wait(epfd, events, max, timeout, mask); }
