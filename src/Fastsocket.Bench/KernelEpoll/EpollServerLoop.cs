using System.Diagnostics;
using static Fastsocket.Bench.KernelEpoll.EpollNative;

namespace Fastsocket.Bench.KernelEpoll;

/// <summary>
/// One server core of <c>kernel-epoll</c>, written the way an nginx worker is: its own epoll instance and its own
/// SO_REUSEPORT listener, non-blocking sockets, one thread pinned to its CPU that does nothing but wait on epoll and
/// run the ready connections. Each connection: accept, read the request up to its blank line, write the response,
/// close (the server closes first, so TIME-WAIT lands here as in the other rows). A connection's only state is one
/// int in a table indexed by its descriptor, made once: serving a connection allocates nothing.
/// </summary>
internal sealed unsafe class EpollServerLoop : IDisposable
{
    private const int MaxEvents = 256;
    private const int Backlog = 4096;

    // epoll data of the two descriptors that are not connections; connections carry their descriptor (below 2^31).
    private const ulong ListenerTag = 1UL << 40;
    private const ulong StopTag = 1UL << 41;

    // A connection's state in _state[fd]: 0 not ours; 1 + (bytes of "\r\n\r\n" matched so far) while reading the
    // request; -(1 + bytes of the response sent) while the response waits for room to be written.
    private const int Closed = 0;
    private const int ReadingMatched0 = 1;

    private static readonly TimeSpan StopDrain = TimeSpan.FromSeconds(2);

    private readonly int _epoll;
    private readonly int _listener;
    private readonly int _stopEvent;
    private readonly byte[] _response;
    private readonly int[] _state;
    private readonly byte[] _readBuffer;
    private readonly int _cpu;
    private readonly long _allocationWarmup;
    private int _open;
    private long _served;
    private long _errors;
    private long _allocatedAtWarmup = -1;
    private long _allocatedAtLast = -1;
    private bool _pinned;

    /// <summary>
    /// A loop with its listener bound to 127.0.0.1:<paramref name="port"/> (0: a free port, read back with
    /// <see cref="Port"/>) and SO_REUSEPORT set, so the other cores' listeners can share the port.
    /// </summary>
    /// <param name="port">The port, or 0 for the first core.</param>
    /// <param name="response">The exact response each connection gets.</param>
    /// <param name="requestBufferBytes">Bytes read per read(2) call.</param>
    /// <param name="cpu">The CPU the loop's thread pins itself to.</param>
    /// <param name="allocationWarmup">Connections after which <see cref="AllocatedBytesSinceWarmup"/> starts counting.</param>
    public EpollServerLoop(int port, ReadOnlyMemory<byte> response, int requestBufferBytes, int cpu, long allocationWarmup = 64)
    {
        _response = response.ToArray();
        _readBuffer = GC.AllocateArray<byte>(Math.Max(1024, requestBufferBytes), pinned: true);
        _cpu = cpu;
        _allocationWarmup = allocationWarmup;
        // Every descriptor the process can open has a slot, so no connection ever needs a bigger table.
        _state = new int[OpenFileLimit()];
        _epoll = -1;
        _listener = -1;
        _stopEvent = -1;
        try
        {
            _epoll = EpollCreate1(EpollCloExec);
            if (_epoll < 0)
            {
                throw Failure("epoll_create1");
            }

            _stopEvent = EventFd(0, EfdNonBlock | EfdCloExec);
            if (_stopEvent < 0)
            {
                throw Failure("eventfd");
            }

            _listener = Socket(AfInet, SockStream | SockNonBlock | SockCloExec, 0);
            if (_listener < 0)
            {
                throw Failure("socket");
            }

            // Accepted sockets inherit TCP_NODELAY from their listener on Linux: set once here, not per connection.
            if (SetInt(_listener, SolSocket, SoReuseAddr, 1) != 0 || SetInt(_listener, SolSocket, SoReusePort, 1) != 0 ||
                SetInt(_listener, IpProtoTcp, TcpNoDelay, 1) != 0)
            {
                throw Failure("setsockopt");
            }

            var address = SockAddrIn.Create([127, 0, 0, 1], port);
            if (Bind(_listener, &address, (uint)sizeof(SockAddrIn)) != 0)
            {
                throw Failure("bind");
            }

            if (Listen(_listener, Backlog) != 0)
            {
                throw Failure("listen");
            }

            uint length = (uint)sizeof(SockAddrIn);
            if (GetSockName(_listener, &address, &length) != 0)
            {
                throw Failure("getsockname");
            }

            Port = address.Port;
            if (Control(_epoll, EpollCtlAdd, _listener, EpollIn, ListenerTag) != 0 ||
                Control(_epoll, EpollCtlAdd, _stopEvent, EpollIn, StopTag) != 0)
            {
                throw Failure("epoll_ctl");
            }
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>The port the listener is bound to.</summary>
    public int Port { get; }

    /// <summary>Connections answered in full.</summary>
    public long Served => Volatile.Read(ref _served);

    /// <summary>Connections the loop failed to serve (reset, closed before the request was complete, write failed).</summary>
    public long Errors => Volatile.Read(ref _errors);

    /// <summary>Whether the loop's thread was pinned to its CPU.</summary>
    public bool Pinned => _pinned;

    /// <summary>
    /// Managed bytes the loop's thread allocated between its warm-up connection and its last one (null before both
    /// happened): the deterministic check that serving a connection allocates nothing.
    /// </summary>
    public long? AllocatedBytesSinceWarmup => _allocatedAtWarmup >= 0 && _allocatedAtLast >= 0 ? _allocatedAtLast - _allocatedAtWarmup : null;

    /// <summary>Asks <see cref="Run"/> to stop, from any thread: one eventfd write wakes the loop.</summary>
    public void RequestStop()
    {
        ulong one = 1;
        _ = Write(_stopEvent, (byte*)&one, sizeof(ulong));
    }

    /// <summary>
    /// The loop, on the calling thread (pinned to its CPU first): until <see cref="RequestStop"/>, then it closes its
    /// listener (connections still queued there are reset by the kernel) and serves those it holds for a short grace.
    /// </summary>
    public void Run()
    {
        _pinned = PinCurrentThread(_cpu);
        byte* events = stackalloc byte[MaxEvents * 16];
        int eventSize = EventSize;
        int dataOffset = EventDataOffset;
        bool stopping = false;
        long drainDeadline = 0;
        fixed (byte* response = _response)
        fixed (byte* buffer = _readBuffer)
        {
            while (!stopping || (_open > 0 && Stopwatch.GetTimestamp() < drainDeadline))
            {
                int ready = EpollWait(_epoll, events, MaxEvents, stopping ? 100 : -1);
                if (ready < 0)
                {
                    if (Errno == EIntr)
                    {
                        continue;
                    }

                    break;
                }

                for (int i = 0; i < ready; i++)
                {
                    byte* ev = events + (i * eventSize);
                    uint mask = *(uint*)ev;
                    ulong data = *(ulong*)(ev + dataOffset);
                    if (data == ListenerTag)
                    {
                        if (!stopping)
                        {
                            AcceptReady();
                        }
                    }
                    else if (data == StopTag)
                    {
                        if (!stopping)
                        {
                            stopping = true;
                            drainDeadline = Stopwatch.GetTimestamp() + (long)(StopDrain.TotalSeconds * Stopwatch.Frequency);
                            _ = EpollCtl(_epoll, EpollCtlDel, _listener, null);
                        }
                    }
                    else
                    {
                        Ready((int)data, mask, response, buffer);
                    }
                }
            }
        }

        // Whatever a client left open past the grace: closed here, by the thread that owns it.
        for (int fd = 0; fd < _state.Length; fd++)
        {
            if (_state[fd] != Closed)
            {
                Finish(fd, served: false);
            }
        }
    }

    /// <summary>
    /// One accept per listener event, as an nginx worker does by default (multi_accept off): the listener is
    /// level-triggered, so connections still queued are reported again by the next wait, and no accept4 call is spent
    /// on finding the queue empty.
    /// </summary>
    private void AcceptReady()
    {
        int fd = Accept4(_listener, null, null, SockNonBlock | SockCloExec);
        if (fd < 0)
        {
            // EAGAIN (another wake-up took it), EINTR, or a connection reset while queued: the listener reports what
            // is left on the next wait. Anything else (out of descriptors) is a connection this server failed.
            int errno = Errno;
            if (errno != EAgain && errno != EIntr && errno != EConnAborted)
            {
                _errors++;
            }

            return;
        }

        if (fd >= _state.Length)
        {
            _ = Close(fd);
            _errors++;
            return;
        }

        _open++;
        _state[fd] = ReadingMatched0;
        // Registered to wait for its request, as nginx does: reading at once would mostly find nothing yet (the client
        // writes its request only when its own epoll reports the connect done) and cost a read that returns EAGAIN.
        if (Control(_epoll, EpollCtlAdd, fd, EpollIn | EpollRdHup | EpollEt, (ulong)fd) != 0)
        {
            Finish(fd, served: false);
        }
    }

    private void Ready(int fd, uint mask, byte* response, byte* buffer)
    {
        if (_state[fd] == Closed)
        {
            return;
        }

        if (Serve(fd, response, buffer) && (mask & (EpollErr | EpollHup)) != 0)
        {
            Finish(fd, served: false);
        }
    }

    /// <summary>Moves the connection on as far as it can go without blocking; true while it waits for epoll to read.</summary>
    private bool Serve(int fd, byte* response, byte* buffer)
    {
        int state = _state[fd];
        if (state > 0)
        {
            int matched = state - 1;
            while (true)
            {
                nint n = Read(fd, buffer, (nuint)_readBuffer.Length);
                if (n > 0)
                {
                    matched = MatchHeaderEnd(buffer, (int)n, matched);
                    if (matched == 4)
                    {
                        break;
                    }

                    continue;
                }

                if (n < 0 && Errno == EAgain)
                {
                    _state[fd] = 1 + matched;
                    return true;
                }

                if (n < 0 && Errno == EIntr)
                {
                    continue;
                }

                // End of stream before the blank line, or a reset.
                Finish(fd, served: false);
                return false;
            }

            state = -1;
        }

        int sent = -state - 1;
        while (sent < _response.Length)
        {
            nint n = Write(fd, response + sent, (nuint)(_response.Length - sent));
            if (n > 0)
            {
                sent += (int)n;
                continue;
            }

            if (n < 0 && Errno == EAgain)
            {
                // A response bigger than the socket's send buffer: wait for room, edge-triggered (the connection is
                // registered since its accept).
                _state[fd] = -(1 + sent);
                if (Control(_epoll, EpollCtlMod, fd, EpollOut | EpollRdHup | EpollEt, (ulong)fd) != 0)
                {
                    Finish(fd, served: false);
                }

                return false;
            }

            if (n < 0 && Errno == EIntr)
            {
                continue;
            }

            Finish(fd, served: false);
            return false;
        }

        Finish(fd, served: true);
        return false;
    }

    /// <summary>Continues matching "\r\n\r\n" across reads; returns how many of its bytes now end the data seen (4: found).</summary>
    internal static int MatchHeaderEnd(byte* data, int length, int matched)
    {
        for (int i = 0; i < length; i++)
        {
            byte b = data[i];
            matched = b == (matched % 2 == 0 ? (byte)'\r' : (byte)'\n') ? matched + 1 : b == (byte)'\r' ? 1 : 0;
            if (matched == 4)
            {
                return 4;
            }
        }

        return matched;
    }

    private void Finish(int fd, bool served)
    {
        // close(2) also takes the descriptor out of the epoll set.
        _ = Close(fd);
        _state[fd] = Closed;
        _open--;
        if (served)
        {
            long count = ++_served;
            if (count == _allocationWarmup)
            {
                _allocatedAtWarmup = GC.GetAllocatedBytesForCurrentThread();
            }
            else if (count > _allocationWarmup)
            {
                _allocatedAtLast = GC.GetAllocatedBytesForCurrentThread();
            }
        }
        else
        {
            _errors++;
        }
    }

    /// <summary>Closes the listener, the eventfd and the epoll instance (after <see cref="Run"/> returned).</summary>
    public void Dispose()
    {
        if (_listener >= 0)
        {
            _ = Close(_listener);
        }

        if (_stopEvent >= 0)
        {
            _ = Close(_stopEvent);
        }

        if (_epoll >= 0)
        {
            _ = Close(_epoll);
        }
    }
}
