using System.Diagnostics;
using static Fastsocket.Bench.KernelEpoll.EpollNative;

namespace Fastsocket.Bench.KernelEpoll;

/// <summary>
/// One client core of <c>kernel-epoll</c> (and of the nginx row, which the same client loads): one thread pinned to its
/// CPU with its own epoll instance, keeping <see cref="BenchRunSpec.Concurrency"/> connections in flight. Each
/// connection: non-blocking connect, write the request when the socket turns writable, read to end of stream checking
/// every byte against the expected response (<see cref="ResponseCheck"/>), close, start the next in the same slot.
/// Slots are arrays made once, so a connection allocates nothing.
/// </summary>
internal sealed unsafe class EpollClientLoop : IDisposable
{
    private const int MaxEvents = 256;
    private const ulong StopTag = 1UL << 41;

    private const byte Idle = 0;
    private const byte Sending = 1;
    private const byte Reading = 2;

    private readonly int _epoll;
    private readonly int _stopEvent;
    private readonly int _port;
    private readonly int _cpu;
    private readonly byte[] _request;
    private readonly ResponseCheck _check;
    private readonly byte[] _readBuffer;
    private readonly BenchProgress? _progress;
    private readonly long _cap;
    private readonly long _allocationWarmup;

    // Per slot: its socket (-1 when none), phase, bytes sent or received so far, start time, source address.
    private readonly int[] _fd;
    private readonly byte[] _phase;
    private readonly int[] _offset;
    private readonly long[] _started;
    private readonly uint[] _source;

    private long _measureStart;
    private long _measureEnd;
    private long _startedCount;
    private int _active;
    private bool _stopping;
    private long _allocatedAtWarmup = -1;
    private long _allocatedAtLast = -1;

    /// <summary>A client core whose slots connect to 127.0.0.1:<paramref name="port"/>.</summary>
    /// <param name="port">The server's loopback port.</param>
    /// <param name="spec">Supplies the request, the expected response and the concurrency.</param>
    /// <param name="firstLoop">Global index of this core's first slot, which picks its source address.</param>
    /// <param name="cpu">The CPU the loop's thread pins itself to.</param>
    /// <param name="cap">Connections this core starts at most.</param>
    /// <param name="progress">Live counters, or null.</param>
    /// <param name="allocationWarmup">Completed connections after which <see cref="AllocatedBytesSinceWarmup"/> starts counting.</param>
    /// <param name="slots">Connections in flight; <see cref="BenchRunSpec.Concurrency"/> when 0.</param>
    /// <param name="check">The response check; null: exactly <see cref="BenchRunSpec.Response"/>.</param>
    public EpollClientLoop(int port, BenchRunSpec spec, int firstLoop, int cpu, long cap, BenchProgress? progress,
        long allocationWarmup = 64, int slots = 0, ResponseCheck? check = null)
    {
        ArgumentNullException.ThrowIfNull(spec);
        _port = port;
        _cpu = cpu;
        _cap = cap;
        _progress = progress;
        _allocationWarmup = allocationWarmup;
        _request = GC.AllocateArray<byte>(spec.Request.Length, pinned: true);
        spec.Request.Span.CopyTo(_request);
        _check = check ?? new ResponseCheck(spec.Response);
        // One byte more than the response, so a response running long is seen in the first read that has it all.
        _readBuffer = GC.AllocateArray<byte>(Math.Clamp(_check.Length + 1, 1024, 64 * 1024), pinned: true);
        slots = slots > 0 ? slots : spec.Concurrency;
        _fd = new int[slots];
        Array.Fill(_fd, -1);
        _phase = new byte[slots];
        _offset = new int[slots];
        _started = new long[slots];
        _source = new uint[slots];
        for (int slot = 0; slot < slots; slot++)
        {
            // Slot i connects from 127.0.0.(1 + i mod N), as the other kernel rows' loops do; 0: the kernel's choice.
            int loop = firstLoop + slot;
            _source[slot] = spec.ClientAddresses > 1 ? SockAddrIn.Create([127, 0, 0, (byte)(1 + (loop % spec.ClientAddresses))], 0).AddressNetworkOrder : 0;
        }

        Latency = new BenchLatencyRecorder();
        _epoll = EpollCreate1(EpollCloExec);
        if (_epoll < 0)
        {
            throw Failure("epoll_create1");
        }

        _stopEvent = EventFd(0, EfdNonBlock | EfdCloExec);
        if (_stopEvent < 0 || Control(_epoll, EpollCtlAdd, _stopEvent, EpollIn, StopTag) != 0)
        {
            Exception failure = Failure(_stopEvent < 0 ? "eventfd" : "epoll_ctl");
            Dispose();
            throw failure;
        }
    }

    /// <summary>Connections completed inside the measured window.</summary>
    public long Completed { get; private set; }

    /// <summary>Connections completed over the whole run, warm-up included.</summary>
    public long TotalCompleted { get; private set; }

    /// <summary>Connections that failed from the window's start on (drain included).</summary>
    public long Errors { get; private set; }

    /// <summary>Latencies of the connections completed inside the window.</summary>
    public BenchLatencyRecorder Latency { get; }

    /// <summary>Whether the loop's thread was pinned to its CPU.</summary>
    public bool Pinned { get; private set; }

    /// <summary>Managed bytes the loop's thread allocated between its warm-up connection and its last one (null before both).</summary>
    public long? AllocatedBytesSinceWarmup => _allocatedAtWarmup >= 0 && _allocatedAtLast >= 0 ? _allocatedAtLast - _allocatedAtWarmup : null;

    /// <summary>Asks <see cref="Run"/> to stop now, from any thread; connections in flight are closed and not counted.</summary>
    public void RequestStop()
    {
        ulong one = 1;
        _ = Write(_stopEvent, (byte*)&one, sizeof(ulong));
    }

    /// <summary>
    /// Runs the load on the calling thread (pinned first): connections start until <paramref name="measureEnd"/> or
    /// the cap; those in flight then get until <paramref name="hardStop"/>, after which they count as failed.
    /// Stopwatch timestamps throughout.
    /// </summary>
    public void Run(long measureStart, long measureEnd, long hardStop)
    {
        _measureStart = measureStart;
        _measureEnd = measureEnd;
        Pinned = PinCurrentThread(_cpu);
        byte* events = stackalloc byte[MaxEvents * 16];
        int eventSize = EventSize;
        int dataOffset = EventDataOffset;
        fixed (byte* request = _request)
        fixed (byte* buffer = _readBuffer)
        {
            _active = _fd.Length;
            for (int slot = 0; slot < _fd.Length; slot++)
            {
                StartNext(slot, request);
            }

            while (_active > 0)
            {
                if (Stopwatch.GetTimestamp() >= hardStop)
                {
                    AbortInFlight(countAsErrors: true);
                    break;
                }

                int ready = EpollWait(_epoll, events, MaxEvents, 100);
                if (ready < 0)
                {
                    if (Errno == EIntr)
                    {
                        continue;
                    }

                    AbortInFlight(countAsErrors: true);
                    break;
                }

                for (int i = 0; i < ready; i++)
                {
                    byte* ev = events + (i * eventSize);
                    uint mask = *(uint*)ev;
                    ulong data = *(ulong*)(ev + dataOffset);
                    if (data == StopTag)
                    {
                        _stopping = true;
                        AbortInFlight(countAsErrors: false);
                        break;
                    }

                    Ready((int)data, mask, request, buffer);
                }
            }
        }
    }

    private void Ready(int slot, uint mask, byte* request, byte* buffer)
    {
        if (_phase[slot] == Sending)
        {
            if ((mask & (EpollOut | EpollErr | EpollHup)) == 0)
            {
                return;
            }

            Send(slot, mask, request, buffer);
        }
        else if (_phase[slot] == Reading && (mask & (EpollIn | EpollRdHup | EpollHup | EpollErr)) != 0)
        {
            Receive(slot, mask, request, buffer);
        }
    }

    private void Send(int slot, uint mask, byte* request, byte* buffer)
    {
        int fd = _fd[slot];
        while (_offset[slot] < _request.Length)
        {
            // A refused or reset connect shows here: write(2) returns its error.
            nint n = Write(fd, request + _offset[slot], (nuint)(_request.Length - _offset[slot]));
            if (n > 0)
            {
                _offset[slot] += (int)n;
                continue;
            }

            if (n < 0 && Errno == EAgain)
            {
                return;
            }

            if (n < 0 && Errno == EIntr)
            {
                continue;
            }

            Complete(slot, ok: false, request);
            return;
        }

        _phase[slot] = Reading;
        _offset[slot] = 0;
        if ((mask & (EpollIn | EpollRdHup | EpollHup | EpollErr)) != 0)
        {
            Receive(slot, mask, request, buffer);
        }
    }

    private void Receive(int slot, uint mask, byte* request, byte* buffer)
    {
        int fd = _fd[slot];
        while (true)
        {
            nint n = Read(fd, buffer, (nuint)_readBuffer.Length);
            if (n > 0)
            {
                if (!_check.Continues(_offset[slot], new ReadOnlySpan<byte>(buffer, (int)n)))
                {
                    Complete(slot, ok: false, request);
                    return;
                }

                _offset[slot] += (int)n;
                // The server's FIN had arrived when epoll reported this event (EPOLLRDHUP), and a read that did not
                // fill the buffer took everything queued before it: the stream has ended here, exactly as a further
                // read returning 0 would say, without the call.
                if ((mask & EpollRdHup) != 0 && n < _readBuffer.Length)
                {
                    Complete(slot, _check.IsComplete(_offset[slot]), request);
                    return;
                }

                continue;
            }

            if (n == 0)
            {
                Complete(slot, _check.IsComplete(_offset[slot]), request);
                return;
            }

            int errno = Errno;
            if (errno == EAgain)
            {
                return;
            }

            if (errno != EIntr)
            {
                Complete(slot, ok: false, request);
                return;
            }
        }
    }

    private void Complete(int slot, bool ok, byte* request)
    {
        _ = Close(_fd[slot]);
        _fd[slot] = -1;
        Record(slot, ok);
        StartNext(slot, request);
    }

    private void Record(int slot, bool ok)
    {
        long now = Stopwatch.GetTimestamp();
        if (ok)
        {
            long total = ++TotalCompleted;
            _progress?.AddCompleted();
            if (now >= _measureStart && now <= _measureEnd)
            {
                Completed++;
                Latency.RecordTicks(_started[slot], now);
            }

            if (total == _allocationWarmup)
            {
                _allocatedAtWarmup = GC.GetAllocatedBytesForCurrentThread();
            }
            else if (total > _allocationWarmup)
            {
                _allocatedAtLast = GC.GetAllocatedBytesForCurrentThread();
            }
        }
        else
        {
            _progress?.AddError();
            if (now >= _measureStart)
            {
                Errors++;
            }
        }
    }

    /// <summary>Starts the slot's next connection, or retires the slot once the window has closed or the cap is reached.</summary>
    private void StartNext(int slot, byte* request)
    {
        while (true)
        {
            long now = Stopwatch.GetTimestamp();
            if (_stopping || now >= _measureEnd || _startedCount >= _cap)
            {
                _phase[slot] = Idle;
                _active--;
                return;
            }

            _startedCount++;
            _started[slot] = now;
            if (TryConnect(slot, request))
            {
                return;
            }

            // Failed before it was in flight (no descriptor, no port): counted, then the slot tries again, bounded by
            // the window and the cap.
            if (_fd[slot] >= 0)
            {
                _ = Close(_fd[slot]);
                _fd[slot] = -1;
            }

            Record(slot, ok: false);
        }
    }

    private bool TryConnect(int slot, byte* request)
    {
        int fd = Socket(AfInet, SockStream | SockNonBlock | SockCloExec, 0);
        if (fd < 0)
        {
            return false;
        }

        // No TCP_NODELAY: the request is one write on a fresh connection, which Nagle never holds back, so the option
        // would change no packet and cost a setsockopt per connection (the System.Net.Sockets client does without too).
        _fd[slot] = fd;
        if (_source[slot] != 0)
        {
            var local = new SockAddrIn { Family = AfInet, AddressNetworkOrder = _source[slot] };
            if (Bind(fd, &local, (uint)sizeof(SockAddrIn)) != 0)
            {
                return false;
            }
        }

        var server = SockAddrIn.Create([127, 0, 0, 1], _port);
        int connected = Connect(fd, &server, (uint)sizeof(SockAddrIn));
        if (connected != 0 && Errno != EInProgress)
        {
            return false;
        }

        if (Control(_epoll, EpollCtlAdd, fd, EpollIn | EpollOut | EpollRdHup | EpollEt, (ulong)slot) != 0)
        {
            return false;
        }

        _phase[slot] = Sending;
        _offset[slot] = 0;
        return true;
    }

    private void AbortInFlight(bool countAsErrors)
    {
        for (int slot = 0; slot < _fd.Length; slot++)
        {
            if (_phase[slot] == Idle)
            {
                continue;
            }

            if (_fd[slot] >= 0)
            {
                _ = Close(_fd[slot]);
                _fd[slot] = -1;
            }

            if (countAsErrors)
            {
                Record(slot, ok: false);
            }

            _phase[slot] = Idle;
            _active--;
        }
    }

    /// <summary>Closes any socket still open, the eventfd and the epoll instance (after <see cref="Run"/> returned).</summary>
    public void Dispose()
    {
        for (int slot = 0; slot < _fd.Length; slot++)
        {
            if (_fd[slot] >= 0)
            {
                _ = Close(_fd[slot]);
                _fd[slot] = -1;
            }
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
