using System.Runtime.InteropServices;
using Fastsocket.Interop;

namespace Fastsocket.Devices.Tun;

/// <summary>
/// One queue (one file descriptor) of a multi-queue <see cref="TunDevice"/>, owned by one engine. The descriptor is
/// non-blocking: <see cref="Poll"/> reads packets until the kernel has none (EAGAIN) or the budget is spent, and
/// <see cref="Transmit"/> writes each packet straight away (a TUN write hands the packet to the kernel's receive
/// path, so there is nothing to batch). An idle engine sleeps on its doorbell; a small waiter thread blocks in
/// poll(2) on the descriptor and rings that doorbell when packets arrive, then waits until the engine has drained
/// the queue before polling again, so it neither spins nor rings once per packet. A doorbell that watches descriptors
/// (an engine core's) needs no waiter: the engine sleeps in poll(2) on this queue's descriptor itself.
/// </summary>
public sealed class TunQueue : IPacketDevice, IDisposable
{
    // A TUN read returns one packet; without IFF_VNET_HDR the kernel never hands us GSO super-packets, but a buffer
    // as large as any IP datagram means a packet bigger than expected is counted, never truncated silently.
    private const int ReceiveBufferLength = 65536;
    private const int WaiterPollMilliseconds = 200;
    private const int DrainWaitMilliseconds = 100;

    private readonly byte[] _receiveBuffer = GC.AllocateUninitializedArray<byte>(ReceiveBufferLength, pinned: true);
    private readonly ManualResetEventSlim _drained = new(false, spinCount: 0);
    private int _fd;
    private Doorbell? _doorbell;
    private Doorbell? _watchedBy;
    private Thread? _waiter;
    private volatile bool _stopping;
    private int _waiterWantsDrain;

    private long _packetsIn;
    private long _bytesIn;
    private long _packetsOut;
    private long _bytesOut;
    private long _readErrors;
    private long _writeErrors;
    private long _oversizeDrops;
    private long _wakeups;

    internal TunQueue(string deviceName, int index, int fd, int mtu)
    {
        DeviceName = deviceName;
        Index = index;
        _fd = fd;
        Mtu = mtu;
    }

    /// <summary>The TUN interface this queue belongs to.</summary>
    public string DeviceName { get; }

    /// <summary>The queue's index, equal to its engine's core id.</summary>
    public int Index { get; }

    /// <summary>Largest packet in bytes we transmit; <see cref="TunDevice.ConfigureHost"/> gives the kernel link the same MTU.</summary>
    public int Mtu { get; }

    /// <summary>Packets read from the kernel. Counters are written by the owning engine; any thread may read them.</summary>
    public long PacketsIn => Volatile.Read(ref _packetsIn);

    /// <summary>Bytes of the packets counted in <see cref="PacketsIn"/>.</summary>
    public long BytesIn => Volatile.Read(ref _bytesIn);

    /// <summary>Packets the kernel accepted from <see cref="Transmit"/>.</summary>
    public long PacketsOut => Volatile.Read(ref _packetsOut);

    /// <summary>Bytes of the packets counted in <see cref="PacketsOut"/>.</summary>
    public long BytesOut => Volatile.Read(ref _bytesOut);

    /// <summary>read(2) failures other than "no packet waiting".</summary>
    public long ReadErrors => Volatile.Read(ref _readErrors);

    /// <summary>write(2) failures (the kernel refused or dropped the packet), oversize packets not included.</summary>
    public long WriteErrors => Volatile.Read(ref _writeErrors);

    /// <summary>Packets the stack asked to send that exceed <see cref="Mtu"/>; the kernel would drop them anyway.</summary>
    public long OversizeDrops => Volatile.Read(ref _oversizeDrops);

    /// <summary>Doorbell rings from the waiter thread: how often the engine had to be told that packets arrived (0 when the engine's doorbell watches the descriptor itself).</summary>
    public long Wakeups => Volatile.Read(ref _wakeups);

    /// <summary>Reads packets with non-blocking read(2) until the kernel has none or <paramref name="maxPackets"/> were delivered. Owning engine's thread only.</summary>
    /// <remarks>The span handed to <paramref name="receiver"/> is one pinned buffer reused for every packet. EINTR is retried; other read errors end the poll and count in <see cref="ReadErrors"/>. A poll that empties the queue lets the waiter thread watch the descriptor again.</remarks>
    /// <returns>Packets delivered.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="receiver"/> is null.</exception>
    public unsafe int Poll(IPacketReceiver receiver, int maxPackets)
    {
        ArgumentNullException.ThrowIfNull(receiver);
        int delivered = 0;
        bool drained = false;
        long bytes = 0;
        fixed (byte* buffer = _receiveBuffer)
        {
            while (delivered < maxPackets)
            {
                nint n = Libc.Read(_fd, buffer, ReceiveBufferLength);
                if (n < 0)
                {
                    int errno = Marshal.GetLastPInvokeError();
                    if (errno == Errno.EINTR)
                    {
                        continue;
                    }
                    if (errno != Errno.EAGAIN)
                    {
                        _readErrors++;
                    }
                    drained = true;
                    break;
                }
                if (n == 0)
                {
                    drained = true;
                    break;
                }
                delivered++;
                bytes += n;
                receiver.Receive(new ReadOnlySpan<byte>(buffer, (int)n));
            }
        }
        if (delivered > 0)
        {
            _packetsIn += delivered;
            _bytesIn += bytes;
        }
        // Only an empty queue releases the waiter: a queue left with packets (budget spent) is polled again by the
        // engine's loop anyway, and the waiter would find it readable at once and ring for nothing.
        if (drained && Volatile.Read(ref _waiterWantsDrain) != 0 && Interlocked.Exchange(ref _waiterWantsDrain, 0) != 0)
        {
            _drained.Set();
        }
        return delivered;
    }

    /// <summary>Writes the packet to the kernel with one write(2), retrying on EINTR. Owning engine's thread only.</summary>
    /// <remarks>Never throws for the packet: one larger than <see cref="Mtu"/> counts in <see cref="OversizeDrops"/>, one the kernel refuses (EAGAIN, ENOBUFS, EIO) in <see cref="WriteErrors"/>, and TCP recovers as from loss.</remarks>
    public unsafe void Transmit(ReadOnlySpan<byte> packet)
    {
        if (packet.Length > Mtu)
        {
            _oversizeDrops++;
            return;
        }
        fixed (byte* data = packet)
        {
            while (true)
            {
                nint n = Libc.Write(_fd, data, (nuint)packet.Length);
                if (n >= 0)
                {
                    _packetsOut++;
                    _bytesOut += packet.Length;
                    return;
                }
                if (Marshal.GetLastPInvokeError() != Errno.EINTR)
                {
                    // EAGAIN/ENOBUFS/EIO: the kernel did not take the packet. TCP treats it as lost on the wire.
                    _writeErrors++;
                    return;
                }
            }
        }
    }

    /// <summary>Nothing to do: every packet went to the kernel in <see cref="Transmit"/>.</summary>
    public void Flush()
    {
    }

    /// <summary>Whether the kernel holds packets for this queue: a zero-timeout poll(2). Safe from any thread.</summary>
    public unsafe bool HasPackets()
    {
        var pfd = new PollFd { Fd = _fd, Events = Libc.POLLIN };
        return Libc.Poll(&pfd, 1, 0) > 0 && (pfd.Revents & Libc.POLLIN) != 0;
    }

    internal void AttachDoorbell(Doorbell doorbell)
    {
        if (_watchedBy is not null || _waiter is not null)
        {
            Volatile.Write(ref _doorbell, doorbell);
            return;
        }
        // A doorbell that sleeps in poll(2) itself watches our descriptor: a packet then wakes the engine directly,
        // without a waiter thread's wake-up and ring in between.
        if (doorbell.TryWatchDescriptor(_fd))
        {
            _watchedBy = doorbell;
            return;
        }
        Volatile.Write(ref _doorbell, doorbell);
        _waiter = new Thread(WaitLoop)
        {
            Name = $"tun-{DeviceName}-q{Index}",
            IsBackground = true,
        };
        _waiter.Start();
    }

    private unsafe void WaitLoop()
    {
        while (!_stopping)
        {
            var pfd = new PollFd { Fd = _fd, Events = Libc.POLLIN };
            int ready = Libc.Poll(&pfd, 1, WaiterPollMilliseconds);
            if (ready <= 0 || _stopping)
            {
                continue;
            }
            if ((pfd.Revents & Libc.POLLIN) == 0)
            {
                // POLLERR/POLLHUP without data (the device is going away): back off instead of spinning.
                Thread.Sleep(WaiterPollMilliseconds);
                continue;
            }
            // Reset before announcing, so a drain that happens right after the announcement is not lost.
            _drained.Reset();
            Volatile.Write(ref _waiterWantsDrain, 1);
            Interlocked.Increment(ref _wakeups);
            Volatile.Read(ref _doorbell)?.Ring();
            // The ring wakes a sleeping engine and a busy one polls anyway, so the next Poll that empties the queue
            // sets the event. The timeout only bounds the wait if the engine has stopped.
            _drained.Wait(DrainWaitMilliseconds);
        }
    }

    /// <summary>Stops and joins the waiter thread, then closes the descriptor (closing the last queue deletes the device). Idempotent; stop the engine first.</summary>
    public void Dispose()
    {
        if (_fd < 0)
        {
            return;
        }
        _stopping = true;
        _drained.Set();
        _waiter?.Join();
        Libc.Close(_fd);
        _fd = -1;
        _drained.Dispose();
    }
}
