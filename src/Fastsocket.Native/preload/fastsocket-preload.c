/*
 * fastsocket-preload.c: the LD_PRELOAD interposer in front of libfastsocket.so (see docs/native.md).
 *
 * It exports libc's socket calls. A call on one of the stack's descriptors (fastsocket_fd_map()[fd] == 1) goes to
 * fastsocket_NAME; every other call goes to libc through dlsym(RTLD_NEXT). AF_INET SOCK_STREAM sockets become the
 * stack's when FASTSOCKET_TUN and FASTSOCKET_ADDRESS are set.
 *
 * The library inside (the .NET runtime, the engine) also calls read, write, poll and close, and with this object
 * preloaded those names resolve here. A thread-local flag marks threads that must always reach libc: any thread while
 * it is inside a fastsocket_* call, and the engine thread for its whole life (it writes the sockets' eventfds, whose
 * numbers are in the map).
 *
 * Fork. The .NET runtime inside the library cannot survive fork (its threads stay behind in the parent), so the stack
 * starts in a process only when one of its sockets is first used for something the stack must do (accept, connect,
 * I/O, a wait). Until then socket(), setsockopt(), bind() and listen() are answered here and remembered against a
 * placeholder descriptor (preload-deferred.c); the process that first uses the socket, the parent or a forked child,
 * starts its own stack, attaches its own queue of the TUN device and turns the placeholder into a socket under the
 * same number. So an nginx master that opens its listeners and forks never runs an engine, and each worker serves the
 * inherited listener on a stack of its own, on the queue the kernel hashes its flows to. A child forked after the stack
 * ran in its parent cannot use the parent's sockets (EBADF) and gets the kernel's sockets.
 */
#include "preload.h"

#include <dirent.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/sendfile.h>

FS_HIDDEN __thread int fs_bypass __attribute__((tls_model("initial-exec")));
FS_HIDDEN uint8_t *fs_map;
FS_HIDDEN int fs_map_size;
FS_HIDDEN int fs_inline;
FS_HIDDEN int fs_tun_fd = -1;
FS_HIDDEN pthread_mutex_t fs_start_lock = PTHREAD_MUTEX_INITIALIZER;

static int fs_enabled = -1; /* -1: environment not read yet; 0: nothing is ours; 1: AF_INET TCP sockets are */
static pid_t fs_started_pid;
/* In a child forked after the stack ran: the parent's map (its sockets are unusable here) and its size. */
static uint8_t *fs_orphan_map;
static int fs_orphan_size;

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
REAL(int, dup, int)
REAL(int, dup2, int, int)
REAL(int, dup3, int, int, int)
REAL(ssize_t, sendfile, int, int, off_t *, size_t)
REAL(ssize_t, sendfile64, int, int, off64_t *, size_t)

FS_HIDDEN int fs_libc_close(int fd) { return get_close()(fd); }
FS_HIDDEN ssize_t fs_libc_write(int fd, const void *buffer, size_t count) { return get_write()(fd, buffer, count); }

static void fs_say(const char *text)
{
    ssize_t ignored = get_write()(2, text, strlen(text));
    (void)ignored;
}

/* A forked child inherits the parent's memory but not its runtime threads: nothing may enter the library here. */
static void fs_after_fork_child(void)
{
    uint8_t *map = __atomic_load_n(&fs_map, __ATOMIC_ACQUIRE);
    if (map && fs_started_pid != getpid()) {
        fs_orphan_map = map;
        fs_orphan_size = fs_map_size;
        __atomic_store_n(&fs_map, NULL, __ATOMIC_RELEASE);
        fs_forget_all_companions();
    }
    pthread_mutex_init(&fs_start_lock, NULL);
}

/* The environment as the process started: programs replace theirs (nginx keeps only what its env directive names). */
static char fs_env_tun[64], fs_env_address[64], fs_env_engine[16], fs_env_linger[16];

static void fs_keep(const char *name, char *copy, size_t size)
{
    const char *value = getenv(name);
    if (value && strlen(value) < size)
        strcpy(copy, value);
}

FS_HIDDEN const char *fs_setting(const char *name)
{
    const char *value = strcmp(name, "FASTSOCKET_TUN") == 0       ? fs_env_tun
                        : strcmp(name, "FASTSOCKET_ADDRESS") == 0 ? fs_env_address
                        : strcmp(name, "FASTSOCKET_ENGINE") == 0  ? fs_env_engine
                                                                  : fs_env_linger;
    return *value ? value : NULL;
}

__attribute__((constructor)) static void fs_init(void)
{
    fs_keep("FASTSOCKET_TUN", fs_env_tun, sizeof fs_env_tun);
    fs_keep("FASTSOCKET_ADDRESS", fs_env_address, sizeof fs_env_address);
    fs_keep("FASTSOCKET_ENGINE", fs_env_engine, sizeof fs_env_engine);
    fs_keep("FASTSOCKET_EXIT_LINGER_MS", fs_env_linger, sizeof fs_env_linger);
    pthread_atfork(NULL, NULL, fs_after_fork_child);
}

FS_HIDDEN int fs_enabled_here(void)
{
    if (fs_orphan_map)
        return 0;
    if (fs_enabled < 0) {
        const char *device = fs_setting("FASTSOCKET_TUN");
        const char *address = fs_setting("FASTSOCKET_ADDRESS");
        fs_enabled = device && *device && address && *address;
    }
    return fs_enabled;
}

FS_HIDDEN int fs_running_here(void)
{
    return __atomic_load_n(&fs_map, __ATOMIC_ACQUIRE) != NULL;
}

/*
 * At exit the kernel would close the program's sockets and go on sending what they hold; the stack dies with the
 * process, so it first closes them and waits until what was written is acknowledged (FASTSOCKET_EXIT_LINGER_MS,
 * default 2000; 0 to skip).
 */
static void fs_at_exit(void)
{
    if (!fs_running_here() || fs_started_pid != getpid() || fs_bypass)
        return;
    const char *text = fs_setting("FASTSOCKET_EXIT_LINGER_MS");
    int ms = text && *text ? atoi(text) : 2000;
    if (ms > 0) {
        fs_bypass = 1;
        fastsocket_preload_exit(ms);
        fs_bypass = 0;
    }
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

FS_HIDDEN int fs_start_locked(void)
{
    if (fs_running_here())
        return 1;
    if (!fs_enabled_here())
        return 0;
    const char *device = fs_setting("FASTSOCKET_TUN");
    const char *address = fs_setting("FASTSOCKET_ADDRESS");
    /* Runtime and engine threads start with every signal blocked: the program's handlers are for its own threads. */
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    const char *engine_mode = fs_setting("FASTSOCKET_ENGINE");
    fs_inline = engine_mode && strcmp(engine_mode, "inline") == 0;
    int started = FS(fastsocket_preload_start(device, address, !fs_inline));
    pthread_t engine;
    if (started == 0 && fs_inline)
        fs_tun_fd = fs_find_tun_fd();
    int ok = 0;
    if (started == 0 && (fs_inline ? fs_tun_fd >= 0 : pthread_create(&engine, NULL, fs_engine_main, NULL) == 0)) {
        if (!fs_inline)
            pthread_detach(engine);
        int size = 0;
        uint8_t *map = FS(fastsocket_fd_map(&size));
        fs_map_size = size;
        fs_started_pid = getpid();
        __atomic_store_n(&fs_map, map, __ATOMIC_RELEASE);
        ok = map != NULL;
        atexit(fs_at_exit);
    } else {
        fs_say("fastsocket-preload: the stack did not start; sockets are the kernel's\n");
        fs_enabled = 0;
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    return ok;
}

FS_HIDDEN int fs_route(int fd)
{
    if (fs_bypass || fd < 0 || fd >= FS_MAX_FD)
        return 0;
    if (fs_ours(fd))
        return 1;
    if (__atomic_load_n(&fs_deferred_sockets[fd], __ATOMIC_ACQUIRE))
        return fs_materialize(fd) < 0 ? -1 : 1;
    if (fs_orphan_map && fd < fs_orphan_size && fs_orphan_map[fd]) {
        errno = EBADF;
        return -1;
    }
    return 0;
}

/* Routes a call: the stack's function, libc's, or -1 with errno. */
#define ROUTE(fd, ours, libc)                                                  \
    do {                                                                       \
        int fs_where_ = fs_route(fd);                                          \
        if (fs_where_ > 0)                                                     \
            return FS(ours);                                                   \
        if (fs_where_ < 0)                                                     \
            return -1;                                                         \
        return libc;                                                           \
    } while (0)

int socket(int domain, int type, int protocol)
{
    if (fs_bypass || domain != AF_INET || (type & 0xf) != SOCK_STREAM || (protocol != 0 && protocol != IPPROTO_TCP))
        return get_socket()(domain, type, protocol);
    if (fs_running_here())
        return FS(fastsocket_socket(domain, type, protocol));
    if (fs_enabled_here())
        return fs_deferred_socket(domain, type, protocol);
    if (fs_orphan_map) {
        static int said;
        if (!said++)
            fs_say("fastsocket-preload: a process forked after the stack started in its parent gets the kernel's sockets\n");
    }
    return get_socket()(domain, type, protocol);
}

int bind(int fd, const struct sockaddr *a, socklen_t l)
{
    if (!fs_bypass && fd >= 0 && fd < FS_MAX_FD && fs_deferred_sockets[fd])
        return fs_deferred_bind(fd, a, l);
    ROUTE(fd, fastsocket_bind(fd, a, l), get_bind()(fd, a, l));
}

int listen(int fd, int b)
{
    if (!fs_bypass && fd >= 0 && fd < FS_MAX_FD && fs_deferred_sockets[fd])
        return fs_deferred_listen(fd, b);
    ROUTE(fd, fastsocket_listen(fd, b), get_listen()(fd, b));
}

int setsockopt(int fd, int lv, int nm, const void *v, socklen_t l)
{
    if (!fs_bypass && fd >= 0 && fd < FS_MAX_FD && fs_deferred_sockets[fd]) {
        int r = fs_deferred_setsockopt(fd, lv, nm, v, l);
        if (r != 1)
            return r;
    }
    ROUTE(fd, fastsocket_setsockopt(fd, lv, nm, v, l), get_setsockopt()(fd, lv, nm, v, l));
}

int getsockname(int fd, struct sockaddr *a, socklen_t *l)
{
    if (!fs_bypass && fd >= 0 && fd < FS_MAX_FD && fs_deferred_sockets[fd]) {
        int r = fs_deferred_getsockname(fd, a, l);
        if (r != 1)
            return r;
    }
    ROUTE(fd, fastsocket_getsockname(fd, a, l), get_getsockname()(fd, a, l));
}

int accept(int fd, struct sockaddr *a, socklen_t *l) { ROUTE(fd, fastsocket_accept(fd, a, l), get_accept()(fd, a, l)); }
int accept4(int fd, struct sockaddr *a, socklen_t *l, int f) { ROUTE(fd, fastsocket_accept4(fd, a, l, f), get_accept4()(fd, a, l, f)); }
int connect(int fd, const struct sockaddr *a, socklen_t l) { ROUTE(fd, fastsocket_connect(fd, a, l), get_connect()(fd, a, l)); }
ssize_t read(int fd, void *b, size_t n) { ROUTE(fd, fastsocket_read(fd, b, n), get_read()(fd, b, n)); }
ssize_t readv(int fd, const struct iovec *v, int n) { ROUTE(fd, fastsocket_readv(fd, v, n), get_readv()(fd, v, n)); }
ssize_t recv(int fd, void *b, size_t n, int f) { ROUTE(fd, fastsocket_recv(fd, b, n, f), get_recv()(fd, b, n, f)); }
ssize_t recvfrom(int fd, void *b, size_t n, int f, struct sockaddr *a, socklen_t *l) { ROUTE(fd, fastsocket_recvfrom(fd, b, n, f, a, l), get_recvfrom()(fd, b, n, f, a, l)); }
ssize_t recvmsg(int fd, struct msghdr *m, int f) { ROUTE(fd, fastsocket_recvmsg(fd, m, f), get_recvmsg()(fd, m, f)); }
ssize_t write(int fd, const void *b, size_t n) { ROUTE(fd, fastsocket_write(fd, b, n), get_write()(fd, b, n)); }
ssize_t writev(int fd, const struct iovec *v, int n) { ROUTE(fd, fastsocket_writev(fd, v, n), get_writev()(fd, v, n)); }
ssize_t send(int fd, const void *b, size_t n, int f) { ROUTE(fd, fastsocket_send(fd, b, n, f), get_send()(fd, b, n, f)); }
ssize_t sendto(int fd, const void *b, size_t n, int f, const struct sockaddr *a, socklen_t l) { ROUTE(fd, fastsocket_sendto(fd, b, n, f, a, l), get_sendto()(fd, b, n, f, a, l)); }
ssize_t sendmsg(int fd, const struct msghdr *m, int f) { ROUTE(fd, fastsocket_sendmsg(fd, m, f), get_sendmsg()(fd, m, f)); }
int shutdown(int fd, int how) { ROUTE(fd, fastsocket_shutdown(fd, how), get_shutdown()(fd, how)); }
int getsockopt(int fd, int lv, int nm, void *v, socklen_t *l) { ROUTE(fd, fastsocket_getsockopt(fd, lv, nm, v, l), get_getsockopt()(fd, lv, nm, v, l)); }
int getpeername(int fd, struct sockaddr *a, socklen_t *l) { ROUTE(fd, fastsocket_getpeername(fd, a, l), get_getpeername()(fd, a, l)); }

/* The fortified forms (_FORTIFY_SOURCE) check the buffer size, then do what the plain call does. */
ssize_t __read_chk(int fd, void *b, size_t n, size_t size)
{
    if (n > size)
        abort();
    return read(fd, b, n);
}

ssize_t __recv_chk(int fd, void *b, size_t n, size_t size, int f)
{
    if (n > size)
        abort();
    return recv(fd, b, n, f);
}

ssize_t __recvfrom_chk(int fd, void *b, size_t n, size_t size, int f, struct sockaddr *a, socklen_t *l)
{
    if (n > size)
        abort();
    return recvfrom(fd, b, n, f, a, l);
}

int close(int fd)
{
    if (fs_bypass || fd < 0 || fd >= FS_MAX_FD)
        return get_close()(fd);
    if (fs_ours(fd))
        return FS(fastsocket_close(fd));
    if (fs_deferred_sockets[fd]) {
        fs_deferred_close(fd);
        return get_close()(fd);
    }
    if (fs_orphan_map && fd < fs_orphan_size && fs_orphan_map[fd]) {
        /* The parent's socket: the number is this process's to free; the connection stays the parent's. */
        fs_orphan_map[fd] = 0;
        return get_close()(fd);
    }
    fs_forget_companion(fd);
    return get_close()(fd);
}

/*
 * dup, dup2, dup3 and F_DUPFD of one of our sockets: the kernel duplicates the socket's eventfd (so the copy shares its
 * readiness signal, as a duplicate shares the open file), then the library registers the copy as another descriptor
 * of the same socket. A target that is one of our sockets is closed through the stack first.
 */
static int fs_dup_result(int fd, int copy)
{
    if (copy < 0)
        return copy;
    int r = FS(fastsocket_dup_alias(fd, copy));
    if (r < 0) {
        int saved = errno;
        get_close()(copy);
        errno = saved;
    }
    return r;
}

static void fs_release_target(int oldfd, int newfd)
{
    if (!fs_bypass && newfd != oldfd && newfd >= 0 && newfd < FS_MAX_FD) {
        if (fs_ours(newfd))
            FS(fastsocket_close(newfd));
        else if (fs_deferred_sockets[newfd])
            fs_deferred_close(newfd);
    }
}

int dup(int fd)
{
    int where = fs_route(fd);
    if (where < 0)
        return -1;
    return where ? fs_dup_result(fd, get_dup()(fd)) : get_dup()(fd);
}

int dup2(int fd, int newfd)
{
    int where = fs_route(fd);
    if (where < 0)
        return -1;
    if (fd == newfd)
        return get_dup2()(fd, newfd);
    fs_release_target(fd, newfd);
    return where ? fs_dup_result(fd, get_dup2()(fd, newfd)) : get_dup2()(fd, newfd);
}

int dup3(int fd, int newfd, int flags)
{
    int where = fs_route(fd);
    if (where < 0)
        return -1;
    if (fd != newfd)
        fs_release_target(fd, newfd);
    return where ? fs_dup_result(fd, get_dup3()(fd, newfd, flags)) : get_dup3()(fd, newfd, flags);
}

/* fcntl on one of our sockets: duplicates as dup does, descriptor flags on the kernel descriptor, the rest by the stack. */
static int fs_fcntl(int fd, int cmd, long arg, int (*libc)(int, int, ...))
{
    if (!fs_bypass && fd >= 0 && fd < FS_MAX_FD && fs_deferred_sockets[fd]) {
        int result;
        if (fs_deferred_fcntl(fd, cmd, arg, &result))
            return result;
    }
    int where = fs_route(fd);
    if (where < 0)
        return -1;
    if (where == 0)
        return libc(fd, cmd, arg);
    switch (cmd) {
    case F_DUPFD:
    case F_DUPFD_CLOEXEC:
        return fs_dup_result(fd, libc(fd, cmd, arg));
    case F_GETFD:
        return libc(fd, cmd);
    case F_SETFD:
        FS(fastsocket_fcntl(fd, cmd, arg));
        return libc(fd, cmd, arg);
    default:
        return FS(fastsocket_fcntl(fd, cmd, arg));
    }
}

int fcntl(int fd, int cmd, ...)
{
    va_list ap;
    va_start(ap, cmd);
    long arg = va_arg(ap, long);
    va_end(ap);
    return fs_fcntl(fd, cmd, arg, get_fcntl());
}

/* Programs built with 64-bit file offsets (glibc 2.28 on) call fcntl64. */
int fcntl64(int fd, int cmd, ...)
{
    va_list ap;
    va_start(ap, cmd);
    long arg = va_arg(ap, long);
    va_end(ap);
    return fs_fcntl(fd, cmd, arg, get_fcntl64());
}

int ioctl(int fd, unsigned long request, ...)
{
    va_list ap;
    va_start(ap, request);
    void *arg = va_arg(ap, void *);
    va_end(ap);
    if (!fs_bypass && fd >= 0 && fd < FS_MAX_FD && fs_deferred_sockets[fd]) {
        int result;
        if (fs_deferred_ioctl(fd, request, arg, &result))
            return result;
    }
    ROUTE(fd, fastsocket_ioctl(fd, request, arg), get_ioctl()(fd, request, arg));
}

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
    int where = fs_route(out);
    if (where < 0)
        return -1;
    if (where == 0)
        return get_sendfile()(out, in, offset, count);
    off64_t at = offset ? *offset : 0;
    ssize_t sent = fs_sendfile(out, in, offset ? &at : NULL, count);
    if (offset)
        *offset = (off_t)at;
    return sent;
}

ssize_t sendfile64(int out, int in, off64_t *offset, size_t count)
{
    int where = fs_route(out);
    if (where < 0)
        return -1;
    return where ? fs_sendfile(out, in, offset, count) : get_sendfile64()(out, in, offset, count);
}
