/*
 * preload.h: what the interposer's files share (see fastsocket-preload.c for the design, docs/native.md for the rules).
 *
 *   fastsocket-preload.c  starting the stack, fork, routing of the plain calls, dup, fcntl, ioctl, sendfile
 *   preload-deferred.c    sockets made before the stack runs in this process (an nginx master's listeners)
 *   preload-wait.c        poll, ppoll, select, pselect, epoll
 */
#ifndef FASTSOCKET_PRELOAD_H
#define FASTSOCKET_PRELOAD_H

#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

/* Internal to the interposer: not exported from the shared object (only the libc names are). */
#define FS_HIDDEN __attribute__((visibility("hidden")))

/* libfastsocket.so's exports (docs/native.md). */
extern uint8_t *fastsocket_fd_map(int *size);
extern int fastsocket_preload_start(const char *device, const char *address, int engine_thread);
extern int fastsocket_preload_poll(int max_ms);
extern void fastsocket_preload_run(void);
extern void fastsocket_preload_exit(int max_ms);
extern int fastsocket_socket(int, int, int);
extern int fastsocket_socket_at(int, int, int, int);
extern int fastsocket_dup_alias(int, int);
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

/* Descriptors above this are never ours (the library's SocketTable.Capacity). */
#define FS_MAX_FD 65536

/* Libc's function NAME, looked up once with dlsym(RTLD_NEXT): get_NAME() in the file that declares REAL(..., NAME, ...). */
#define REAL(ret, name, ...)                                                   \
    static ret (*real_##name)(__VA_ARGS__);                                    \
    static ret (*get_##name(void))(__VA_ARGS__) {                              \
        if (!real_##name) *(void **)&real_##name = dlsym(RTLD_NEXT, #name);    \
        return real_##name;                                                    \
    }

/* Set while a thread must reach libc whatever the descriptor: inside any fastsocket_* call, and on the engine thread. */
extern FS_HIDDEN __thread int fs_bypass __attribute__((tls_model("initial-exec")));

/* Runs a fastsocket_* call with the bypass flag set, so the library's own libc calls reach libc. */
#define FS(call)                                                               \
    ({                                                                         \
        int fs_saved_ = fs_bypass;                                             \
        fs_bypass = 1;                                                         \
        __typeof__(call) fs_result_ = (call);                                  \
        fs_bypass = fs_saved_;                                                 \
        fs_result_;                                                            \
    })

/* The library's ownership map (null until the stack runs in this process) and its size. */
extern FS_HIDDEN uint8_t *fs_map;
extern FS_HIDDEN int fs_map_size;
/* FASTSOCKET_ENGINE=inline: the engine runs inside the program's waits; fs_tun_fd is the TUN queue to wait on. */
extern FS_HIDDEN int fs_inline;
extern FS_HIDDEN int fs_tun_fd;
/* Serializes starting the stack and turning deferred sockets into the stack's. */
extern FS_HIDDEN pthread_mutex_t fs_start_lock;

/* Whether fd is one of the stack's descriptors in this process (a byte read: no call into managed code, no lock). */
static inline int fs_ours(int fd)
{
    uint8_t *map = __atomic_load_n(&fs_map, __ATOMIC_ACQUIRE);
    return !fs_bypass && map && fd >= 0 && fd < fs_map_size && map[fd];
}

/* Deferred sockets (preload-deferred.c): placeholders for sockets made before the stack runs in this process. */
struct fs_deferred;
extern FS_HIDDEN struct fs_deferred *fs_deferred_sockets[FS_MAX_FD];

/*
 * Where a call on fd goes: 1 to the stack (a deferred socket becomes the stack's first), 0 to libc, -1 to fail with
 * errno (the stack could not take a deferred socket, or the descriptor is a socket of the stack of a parent process).
 */
FS_HIDDEN int fs_route(int fd);

/* Starts the stack in this process if it does not run yet; 1 when it runs. Call with fs_start_lock held. */
FS_HIDDEN int fs_start_locked(void);
/* Whether sockets may be the stack's in this process (the environment names a device and address, no orphaned stack). */
FS_HIDDEN int fs_enabled_here(void);
/* Whether the stack runs in this process. */
FS_HIDDEN int fs_running_here(void);
/* FASTSOCKET_* as the environment held them when the interposer was loaded; null when unset. */
FS_HIDDEN const char *fs_setting(const char *name);
/* Libc's close and write, for files that do not declare their own. */
FS_HIDDEN int fs_libc_close(int fd);
FS_HIDDEN ssize_t fs_libc_write(int fd, const void *buffer, size_t count);

/* preload-deferred.c */
FS_HIDDEN int fs_deferred_socket(int domain, int type, int protocol);
FS_HIDDEN int fs_materialize(int fd);
FS_HIDDEN int fs_deferred_bind(int fd, const struct sockaddr *address, socklen_t length);
FS_HIDDEN int fs_deferred_listen(int fd, int backlog);
FS_HIDDEN int fs_deferred_setsockopt(int fd, int level, int name, const void *value, socklen_t length);
FS_HIDDEN int fs_deferred_getsockname(int fd, struct sockaddr *address, socklen_t *length);
/* fcntl on a deferred socket: 1 and *result when answered here, 0 when the socket must become the stack's first. */
FS_HIDDEN int fs_deferred_fcntl(int fd, int cmd, long arg, int *result);
/* ioctl FIONBIO on a deferred socket: 1 when answered here. */
FS_HIDDEN int fs_deferred_ioctl(int fd, unsigned long request, void *arg, int *result);
FS_HIDDEN void fs_deferred_close(int fd);

/* preload-wait.c: the companion epoll instances of kernel epoll descriptors, forgotten when the descriptor closes. */
FS_HIDDEN void fs_forget_companion(int epfd);
FS_HIDDEN void fs_forget_all_companions(void);

#endif
