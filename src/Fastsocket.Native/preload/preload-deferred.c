/*
 * preload-deferred.c: sockets made before the stack runs in this process.
 *
 * socket() answers with a placeholder descriptor (an eventfd) and remembers the socket here; setsockopt() of the
 * options the stack knows, O_NONBLOCK, bind() to a port and listen() are checked and remembered too, without entering
 * the library. The first call that needs the stack (accept, connect, I/O, a wait, getsockopt...) starts the stack in
 * the calling process, makes a socket of it under the placeholder's number (fastsocket_socket_at) and replays what was
 * remembered. A process that only opens sockets and forks (an nginx master) never starts a stack; each child that
 * uses an inherited placeholder starts its own. Every child shares the placeholder's eventfd with its parent until it
 * turns it into its own socket, which replaces the descriptor in that process only.
 */
#include "preload.h"

#include <arpa/inet.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>

#define FS_MAX_OPTIONS 16
#define FS_MAX_OPTION_BYTES 16

struct fs_option {
    int level, name;
    socklen_t length;
    unsigned char value[FS_MAX_OPTION_BYTES];
};

struct fs_deferred {
    int domain, type, protocol;
    int nonblocking; /* O_NONBLOCK as fcntl or FIONBIO last set it */
    int bound;
    struct sockaddr_in address;
    int listening, backlog;
    int options;
    struct fs_option option[FS_MAX_OPTIONS];
};

FS_HIDDEN struct fs_deferred *fs_deferred_sockets[FS_MAX_FD];

REAL(int, fcntl, int, int, ...)

static struct fs_deferred *fs_find(int fd)
{
    return fd >= 0 && fd < FS_MAX_FD ? __atomic_load_n(&fs_deferred_sockets[fd], __ATOMIC_ACQUIRE) : NULL;
}

static int fs_fail(int error)
{
    errno = error;
    return -1;
}

FS_HIDDEN int fs_deferred_socket(int domain, int type, int protocol)
{
    struct fs_deferred *socket = calloc(1, sizeof *socket);
    if (!socket)
        return fs_fail(ENOMEM);
    int fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (fd < 0) {
        free(socket);
        return -1;
    }
    if (fd >= FS_MAX_FD) {
        fs_libc_close(fd);
        free(socket);
        return fs_fail(EMFILE);
    }
    socket->domain = domain;
    socket->type = type;
    socket->protocol = protocol;
    socket->nonblocking = (type & SOCK_NONBLOCK) != 0;
    __atomic_store_n(&fs_deferred_sockets[fd], socket, __ATOMIC_RELEASE);
    return fd;
}

/* The stack's address (FASTSOCKET_ADDRESS without its prefix), network order; 0 when unreadable. */
static in_addr_t fs_own_address(void)
{
    const char *text = fs_setting("FASTSOCKET_ADDRESS");
    char copy[64];
    if (!text || strlen(text) >= sizeof copy)
        return 0;
    strcpy(copy, text);
    char *slash = strchr(copy, '/');
    if (slash)
        *slash = 0;
    struct in_addr address;
    return inet_pton(AF_INET, copy, &address) == 1 ? address.s_addr : 0;
}

/* Linux's rule for two sockets on one port: both SO_REUSEPORT, or both SO_REUSEADDR and neither listening. */
static int fs_option_on(const struct fs_deferred *socket, int level, int name)
{
    for (int i = 0; i < socket->options; i++)
        if (socket->option[i].level == level && socket->option[i].name == name)
            return socket->option[i].length >= sizeof(int) && *(const int *)socket->option[i].value != 0;
    return 0;
}

static int fs_port_taken(const struct fs_deferred *self, in_port_t port)
{
    for (int fd = 0; fd < FS_MAX_FD; fd++) {
        const struct fs_deferred *other = fs_deferred_sockets[fd];
        if (!other || other == self || !other->bound || other->address.sin_port != port)
            continue;
        int shared = (fs_option_on(self, SOL_SOCKET, SO_REUSEPORT) && fs_option_on(other, SOL_SOCKET, SO_REUSEPORT)) ||
                     (fs_option_on(self, SOL_SOCKET, SO_REUSEADDR) && fs_option_on(other, SOL_SOCKET, SO_REUSEADDR) &&
                      !other->listening);
        if (!shared)
            return 1;
    }
    return 0;
}

/* 1: the call must go to the stack (the socket becomes the stack's first); otherwise the call's result. */
FS_HIDDEN int fs_deferred_bind(int fd, const struct sockaddr *address, socklen_t length)
{
    pthread_mutex_lock(&fs_start_lock);
    struct fs_deferred *socket = fs_find(fd);
    int result;
    if (!socket) {
        pthread_mutex_unlock(&fs_start_lock);
        return bind(fd, address, length);
    }
    if (!address) {
        result = fs_fail(EFAULT);
    } else if (length < sizeof(struct sockaddr_in)) {
        result = fs_fail(EINVAL);
    } else if (((const struct sockaddr_in *)address)->sin_family != AF_INET) {
        result = fs_fail(EAFNOSUPPORT);
    } else if (socket->bound || socket->listening) {
        result = fs_fail(EINVAL);
    } else {
        const struct sockaddr_in *in = (const struct sockaddr_in *)address;
        if (in->sin_addr.s_addr != htonl(INADDR_ANY) && in->sin_addr.s_addr != fs_own_address()) {
            result = fs_fail(EADDRNOTAVAIL);
        } else if (in->sin_port == 0) {
            /* An ephemeral port is the stack's to choose. */
            pthread_mutex_unlock(&fs_start_lock);
            if (fs_materialize(fd) < 0)
                return -1;
            return bind(fd, address, length);
        } else if (fs_port_taken(socket, in->sin_port)) {
            result = fs_fail(EADDRINUSE);
        } else {
            socket->address = *in;
            socket->bound = 1;
            result = 0;
        }
    }
    pthread_mutex_unlock(&fs_start_lock);
    return result;
}

FS_HIDDEN int fs_deferred_listen(int fd, int backlog)
{
    pthread_mutex_lock(&fs_start_lock);
    struct fs_deferred *socket = fs_find(fd);
    if (socket && socket->bound) {
        socket->listening = 1;
        socket->backlog = backlog;
        pthread_mutex_unlock(&fs_start_lock);
        return 0;
    }
    pthread_mutex_unlock(&fs_start_lock);
    /* Unbound: listen picks an ephemeral port, which is the stack's to choose. */
    return listen(fd, backlog);
}

/* Options the stack knows and that a program sets before it binds: remembered; others make the socket the stack's. */
static int fs_rememberable(int level, int name)
{
    if (level == SOL_SOCKET)
        return name == SO_REUSEADDR || name == SO_REUSEPORT || name == SO_KEEPALIVE || name == SO_SNDBUF ||
               name == SO_RCVBUF || name == SO_LINGER || name == SO_RCVTIMEO || name == SO_SNDTIMEO;
    if (level == IPPROTO_TCP)
        return name == TCP_NODELAY || name == TCP_MAXSEG;
    return 0;
}

FS_HIDDEN int fs_deferred_setsockopt(int fd, int level, int name, const void *value, socklen_t length)
{
    if (!fs_rememberable(level, name) || length > FS_MAX_OPTION_BYTES)
        return 1;
    if (!value)
        return fs_fail(EFAULT);
    socklen_t least = (level == SOL_SOCKET && (name == SO_RCVTIMEO || name == SO_SNDTIMEO)) ? (socklen_t)sizeof(struct timeval)
                      : (level == SOL_SOCKET && name == SO_LINGER)                          ? (socklen_t)sizeof(struct linger)
                                                                                            : (socklen_t)sizeof(int);
    if (length < least)
        return fs_fail(EINVAL);
    pthread_mutex_lock(&fs_start_lock);
    struct fs_deferred *socket = fs_find(fd);
    int result = 1;
    if (socket) {
        int i = 0;
        while (i < socket->options && !(socket->option[i].level == level && socket->option[i].name == name))
            i++;
        if (i < FS_MAX_OPTIONS) {
            socket->option[i].level = level;
            socket->option[i].name = name;
            socket->option[i].length = length;
            memcpy(socket->option[i].value, value, length);
            if (i == socket->options)
                socket->options++;
            result = 0;
        }
    }
    pthread_mutex_unlock(&fs_start_lock);
    return result;
}

FS_HIDDEN int fs_deferred_getsockname(int fd, struct sockaddr *address, socklen_t *length)
{
    pthread_mutex_lock(&fs_start_lock);
    struct fs_deferred *socket = fs_find(fd);
    int result = 1;
    if (socket && socket->bound) {
        if (!address || !length) {
            result = fs_fail(EFAULT);
        } else {
            socklen_t n = *length < sizeof socket->address ? *length : (socklen_t)sizeof socket->address;
            memcpy(address, &socket->address, n);
            *length = sizeof socket->address;
            result = 0;
        }
    }
    pthread_mutex_unlock(&fs_start_lock);
    return result;
}

FS_HIDDEN int fs_deferred_fcntl(int fd, int cmd, long arg, int *result)
{
    pthread_mutex_lock(&fs_start_lock);
    struct fs_deferred *socket = fs_find(fd);
    int answered = 0;
    if (socket && cmd == F_GETFL) {
        *result = O_RDWR | (socket->nonblocking ? O_NONBLOCK : 0);
        answered = 1;
    } else if (socket && cmd == F_SETFL) {
        socket->nonblocking = (arg & O_NONBLOCK) != 0;
        *result = 0;
        answered = 1;
    }
    pthread_mutex_unlock(&fs_start_lock);
    if (!answered && socket && (cmd == F_GETFD || cmd == F_SETFD)) {
        /* The descriptor's own flag, on the placeholder: dup3 carries O_CLOEXEC over when the socket becomes the stack's. */
        *result = get_fcntl()(fd, cmd, arg);
        answered = 1;
    }
    return answered;
}

FS_HIDDEN int fs_deferred_ioctl(int fd, unsigned long request, void *arg, int *result)
{
    if (request != FIONBIO)
        return 0;
    pthread_mutex_lock(&fs_start_lock);
    struct fs_deferred *socket = fs_find(fd);
    int answered = 0;
    if (socket) {
        if (!arg) {
            *result = fs_fail(EFAULT);
        } else {
            socket->nonblocking = *(int *)arg != 0;
            *result = 0;
        }
        answered = 1;
    }
    pthread_mutex_unlock(&fs_start_lock);
    return answered;
}

FS_HIDDEN void fs_deferred_close(int fd)
{
    pthread_mutex_lock(&fs_start_lock);
    struct fs_deferred *socket = fs_find(fd);
    if (socket) {
        __atomic_store_n(&fs_deferred_sockets[fd], NULL, __ATOMIC_RELEASE);
        free(socket);
    }
    pthread_mutex_unlock(&fs_start_lock);
}

static void fs_replay_failed(const char *what, int error)
{
    char line[160];
    snprintf(line, sizeof line, "fastsocket-preload: replaying %s on the stack failed: %s\n", what, strerror(error));
    ssize_t ignored = fs_libc_write(2, line, strlen(line));
    (void)ignored;
}

FS_HIDDEN int fs_materialize(int fd)
{
    pthread_mutex_lock(&fs_start_lock);
    struct fs_deferred *socket = fs_find(fd);
    if (!socket) {
        /* Another thread got here first. */
        pthread_mutex_unlock(&fs_start_lock);
        return fs_ours(fd) ? 0 : fs_fail(EBADF);
    }
    if (!fs_start_locked()) {
        pthread_mutex_unlock(&fs_start_lock);
        return fs_fail(ENETDOWN);
    }
    int result = FS(fastsocket_socket_at(fd, socket->domain, socket->type, socket->protocol));
    int error = errno;
    if (result >= 0) {
        __atomic_store_n(&fs_deferred_sockets[fd], NULL, __ATOMIC_RELEASE);
        for (int i = 0; i < socket->options; i++) {
            struct fs_option *o = &socket->option[i];
            if (FS(fastsocket_setsockopt(fd, o->level, o->name, o->value, o->length)) < 0)
                fs_replay_failed("setsockopt", errno);
        }
        FS(fastsocket_fcntl(fd, F_SETFL, socket->nonblocking ? O_NONBLOCK : 0));
        if (socket->bound && FS(fastsocket_bind(fd, (const struct sockaddr *)&socket->address, sizeof socket->address)) < 0) {
            error = errno;
            fs_replay_failed("bind", error);
            result = -1;
        } else if (socket->listening && FS(fastsocket_listen(fd, socket->backlog)) < 0) {
            error = errno;
            fs_replay_failed("listen", error);
            result = -1;
        }
        free(socket);
    }
    pthread_mutex_unlock(&fs_start_lock);
    if (result < 0)
        return fs_fail(error);
    return 0;
}
