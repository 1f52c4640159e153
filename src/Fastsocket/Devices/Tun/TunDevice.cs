using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Fastsocket.Interop;
using Fastsocket.Time;

namespace Fastsocket.Devices.Tun;

/// <summary>
/// A Linux TUN device (IFF_TUN | IFF_NO_PI | IFF_MULTI_QUEUE): bare IP packets between this stack and the kernel's,
/// one queue per engine core. Every queue is its own descriptor attached with TUNSETIFF under the same name; the
/// kernel spreads what it sends over the queues and remembers, per flow, the queue that last wrote it, so replies to
/// a flow one of our cores sent come back to that core. There is no steering table to program
/// (<see cref="Steering"/> is null); software Receive Flow Deliver in the stack moves whatever still lands on the
/// wrong core. The device is not persistent: closing the last queue deletes it, with its addresses and routes.
/// </summary>
public sealed class TunDevice : IMultiQueueDevice, IHostDropCounters, IDisposable
{
    /// <summary>Most queues a TUN device accepts (the kernel's MAX_TAP_QUEUES).</summary>
    public const int MaxQueues = 256;

    /// <summary>
    /// Packets the kernel holds for the stack on each queue before it drops what it sends (the device's txqueuelen)
    /// when <see cref="ConfigureHost"/> is not told otherwise. The kernel's own default for TUN, 500, overflows in the
    /// stack's short pauses under a SYN flood of 20,000 packets a second (3.8-6% of everything dropped, legitimate SYNs
    /// and ACKs included; 4,096 dropped none, bench/scripts/syn-flood.sh). A closed-loop load keeps about two packets per
    /// connection in flight toward the stack (a request and an ACK), more while the kernel retransmits, so the queue
    /// must hold a few per connection: with wrk's 10,000 keep-alive connections against one engine
    /// (bench/scripts/high-concurrency.sh) 4,096 dropped 114,904 packets, 16,384 dropped 44,790 and 32,768 dropped
    /// 5,434; with 4,000 Connection: close connections 4,096 dropped 38,197 and both longer queues none. The kernel keeps
    /// a ring of that many pointers per queue (256 KB) and holds packets in it only while the engine is behind.
    /// </summary>
    public const int DefaultKernelQueueLength = 32768;

    /// <summary>Smallest queue length <see cref="ConfigureHost"/> accepts.</summary>
    public const int MinKernelQueueLength = 1;

    /// <summary>Largest queue length <see cref="ConfigureHost"/> accepts: the kernel allocates a ring of that many slots per queue.</summary>
    public const int MaxKernelQueueLength = 65536;

    private const nuint TunSetIff = 0x400454ca;
    private const short IffTun = 0x0001;
    private const short IffNoPi = 0x1000;
    private const short IffMultiQueue = 0x0100;
    private const int IfNameSize = 16;
    private const int IfReqSize = 40;

    private readonly TunQueue[] _queues;
    private readonly IPacketDevice[] _views;
    private bool _disposed;

    private TunDevice(string name, TunQueue[] queues, PcapWriter? capture, IClock clock)
    {
        Name = name;
        _queues = queues;
        _views = new IPacketDevice[queues.Length];
        for (int i = 0; i < queues.Length; i++)
        {
            _views[i] = capture is null ? queues[i] : new PcapTap(queues[i], capture, clock);
        }
    }

    /// <summary>The interface name the kernel gave the device.</summary>
    public string Name { get; }

    /// <inheritdoc/>
    public int QueueCount => _queues.Length;

    /// <summary>The queues themselves, for their counters (<see cref="GetQueue"/> may return a capture wrapper).</summary>
    public IReadOnlyList<TunQueue> Queues => _queues;

    /// <summary>Always null: a TUN device has no steering table; the kernel's per-flow queue memory and software RFD stand in.</summary>
    public IFlowSteering? Steering => null;

    /// <summary>Packets read from the kernel, summed over the queues; a snapshot, any thread.</summary>
    public long PacketsIn => _queues.Sum(static q => q.PacketsIn);

    /// <summary>Packets the kernel accepted from us, summed over the queues; a snapshot, any thread.</summary>
    public long PacketsOut => _queues.Sum(static q => q.PacketsOut);

    /// <summary>read(2) failures other than EAGAIN, summed over the queues.</summary>
    public long ReadErrors => _queues.Sum(static q => q.ReadErrors);

    /// <summary>write(2) failures (packets the kernel did not take), summed over the queues.</summary>
    public long WriteErrors => _queues.Sum(static q => q.WriteErrors);

    /// <summary>
    /// Packets the kernel may queue for the stack on each queue (the device's txqueuelen) as <see cref="ConfigureHost"/>
    /// set it; 0 before that.
    /// </summary>
    public int HostQueueLength { get; private set; }

    /// <summary>
    /// Packets the kernel dropped instead of queueing them for the stack because the queue was full (the interface's
    /// transmit drops, from /proc/self/net/dev of the caller's network namespace, which must be the device's); null when
    /// unreadable. The engines never see these packets: a load they could serve should leave this at 0.
    /// </summary>
    public long? DroppedTowardStack => NetDevCounters.Read(Name)?.TransmitDropped;

    /// <summary>Packets the stack wrote that the kernel dropped on receipt (the interface's receive drops); null when unreadable.</summary>
    public long? DroppedFromStack => NetDevCounters.Read(Name)?.ReceiveDropped;

    /// <summary>
    /// Creates the device with <paramref name="queues"/> queues. Needs CAP_NET_ADMIN; the device lives in the caller's
    /// network namespace. Every packet in and out goes to <paramref name="capture"/> when given.
    /// </summary>
    public static TunDevice Create(string name, int queues, int mtu = 1500, PcapWriter? capture = null, IClock? clock = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (System.Text.Encoding.UTF8.GetByteCount(name) >= IfNameSize)
        {
            throw new ArgumentException($"interface names are at most {IfNameSize - 1} bytes", nameof(name));
        }
        ArgumentOutOfRangeException.ThrowIfLessThan(queues, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(queues, MaxQueues);
        ArgumentOutOfRangeException.ThrowIfLessThan(mtu, 576);
        if (!OperatingSystem.IsLinux())
        {
            throw new PlatformNotSupportedException("TUN devices need Linux");
        }
        var opened = new List<TunQueue>(queues);
        string actualName = name;
        try
        {
            for (int i = 0; i < queues; i++)
            {
                int fd = OpenQueue(actualName, out actualName);
                opened.Add(new TunQueue(actualName, i, fd, mtu));
            }
        }
        catch
        {
            foreach (TunQueue queue in opened)
            {
                queue.Dispose();
            }
            throw;
        }
        return new TunDevice(actualName, [.. opened], capture, clock ?? MonotonicClock.Instance);
    }

    private static unsafe int OpenQueue(string name, out string actualName)
    {
        int fd = Libc.Open("/dev/net/tun", Libc.O_RDWR | Libc.O_NONBLOCK | Libc.O_CLOEXEC);
        if (fd < 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            throw new IOException($"open /dev/net/tun failed: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno})");
        }
        byte* ifr = stackalloc byte[IfReqSize];
        new Span<byte>(ifr, IfReqSize).Clear();
        System.Text.Encoding.UTF8.GetBytes(name, new Span<byte>(ifr, IfNameSize - 1));
        *(short*)(ifr + IfNameSize) = IffTun | IffNoPi | IffMultiQueue;
        if (Libc.Ioctl(fd, TunSetIff, ifr) < 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            Libc.Close(fd);
            string hint = errno == Errno.EPERM ? " (needs CAP_NET_ADMIN)" : "";
            throw new IOException($"TUNSETIFF {name} failed: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno}){hint}");
        }
        // The kernel fills in the name it chose (for patterns such as "tun%d").
        var nameBytes = new ReadOnlySpan<byte>(ifr, IfNameSize);
        int end = nameBytes.IndexOf((byte)0);
        actualName = System.Text.Encoding.UTF8.GetString(end < 0 ? nameBytes : nameBytes[..end]);
        return fd;
    }

    /// <summary>
    /// Brings the kernel's side up: sets the link MTU to match ours and the packets the kernel may queue for us on each
    /// queue to <paramref name="kernelQueueLength"/> (its txqueuelen; see <see cref="DefaultKernelQueueLength"/>), gives
    /// the kernel <paramref name="hostAddress"/> with <paramref name="prefixLength"/> (so it routes the prefix, our
    /// address included, into the device) and sets the link up. IPv6 is switched off on the link first so the kernel
    /// does not send router solicitations we only drop.
    /// </summary>
    public void ConfigureHost(IPAddress hostAddress, int prefixLength, int kernelQueueLength = DefaultKernelQueueLength)
    {
        ArgumentNullException.ThrowIfNull(hostAddress);
        if (hostAddress.AddressFamily != AddressFamily.InterNetwork)
        {
            throw new ArgumentException("the stack speaks IPv4 only", nameof(hostAddress));
        }
        ArgumentOutOfRangeException.ThrowIfLessThan(prefixLength, 0);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(prefixLength, 32);
        ArgumentOutOfRangeException.ThrowIfLessThan(kernelQueueLength, MinKernelQueueLength);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(kernelQueueLength, MaxKernelQueueLength);
        try
        {
            File.WriteAllText($"/proc/sys/net/ipv6/conf/{Name}/disable_ipv6", "1");
        }
        catch (IOException)
        {
            // No IPv6 in this kernel or namespace: nothing to switch off.
        }
        catch (UnauthorizedAccessException)
        {
        }
        int mtu = _queues[0].Mtu;
        IpCommand.Run($"link set dev {Name} mtu {mtu} txqueuelen {kernelQueueLength}");
        IpCommand.Run($"addr add {hostAddress}/{prefixLength} dev {Name}");
        IpCommand.Run($"link set dev {Name} up");
        HostQueueLength = kernelQueueLength;
    }

    /// <inheritdoc/>
    /// <remarks>Returns a <see cref="PcapTap"/> around the queue when the device was created with a capture.</remarks>
    public IPacketDevice GetQueue(int index) => _views[index];

    /// <inheritdoc/>
    /// <remarks>Starts the queue's waiter thread, which blocks in poll(2) and rings <paramref name="doorbell"/> when packets arrive.</remarks>
    /// <exception cref="ArgumentNullException"><paramref name="doorbell"/> is null.</exception>
    public void AttachDoorbell(int index, Doorbell doorbell)
    {
        ArgumentNullException.ThrowIfNull(doorbell);
        _queues[index].AttachDoorbell(doorbell);
    }

    /// <inheritdoc/>
    /// <remarks>A zero-timeout poll(2): a system call, so cheap but not free.</remarks>
    public bool HasPackets(int index) => _queues[index].HasPackets();

    /// <summary>Closes every queue, which deletes the device. Stop the stack first: engines must not poll a closed queue.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        foreach (TunQueue queue in _queues)
        {
            queue.Dispose();
        }
    }
}
