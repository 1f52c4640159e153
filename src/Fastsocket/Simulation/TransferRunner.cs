using System.Diagnostics;
using Fastsocket.Devices;
using Fastsocket.Stack;
using Fastsocket.Tcp;
using Fastsocket.Time;
using Fastsocket.Wire;

namespace Fastsocket.Simulation;

/// <summary>
/// Runs a bulk transfer between two stacks joined by an in-memory link and checks, with SHA-256 at both ends,
/// that every byte arrived intact and in order.
/// Two modes: real time with one thread per stack (the throughput benchmark), or virtual time on one thread,
/// where idle periods are skipped (deterministic for a seed, and retransmission timeouts cost no wall time).
/// </summary>
public static class TransferRunner
{
    /// <summary>The sending stack's address (198.18.0.1, from the benchmarking range of RFC 2544).</summary>
    public static readonly IpAddress ClientAddress = IpAddress.FromIPv4(198, 18, 0, 1);
    /// <summary>The receiving stack's address (198.18.0.2).</summary>
    public static readonly IpAddress ServerAddress = IpAddress.FromIPv4(198, 18, 0, 2);
    /// <summary>The port the receiving stack listens on (iperf's default).</summary>
    public const ushort ServerPort = 5001;

    /// <summary>
    /// Runs one transfer to completion on the calling thread (plus two engine threads when <see cref="TransferSpec.Threads"/>
    /// is 2 on real time). A failed transfer does not throw: it comes back with <see cref="TransferReport.Error"/> set and
    /// <see cref="TransferReport.Sha256Match"/> false. Gives up after an hour of stalled (virtual or real) time on one
    /// thread, or 30 wall-clock minutes threaded.
    /// </summary>
    /// <param name="spec">What to transfer and over what faults.</param>
    /// <param name="progress">Receives a line per 10% of the bytes, when given.</param>
    /// <exception cref="ArgumentNullException"><paramref name="spec"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><see cref="TransferSpec.Bytes"/> is not positive, or a fault probability or the MTU is out of range.</exception>
    public static TransferReport Run(TransferSpec spec, TextWriter? progress = null)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(spec.Bytes);

        IClock clock = spec.VirtualTime ? new VirtualClock() : MonotonicClock.Instance;
        FaultProfile faults = new()
        {
            Loss = spec.Loss,
            Reorder = spec.Reorder,
            Duplicate = spec.Duplicate,
            Corrupt = spec.Corrupt,
            Seed = spec.Seed,
        };
        FaultProfile reverse = faults with { Seed = unchecked(spec.Seed * 7919 + 17) };
        var link = new InMemoryLink(spec.Mtu, clock, faults, reverse);

        using PcapWriter? pcap = spec.PcapPath is null ? null : new PcapWriter(spec.PcapPath);
        IPacketDevice clientDevice = pcap is null ? link.A : new PcapTap(link.A, pcap, clock);

        var tcp = new TcpConfig();
        var client = new NetworkEngine(new EngineOptions
        {
            LocalAddress = ClientAddress,
            Device = clientDevice,
            Clock = clock,
            Tcp = tcp,
            RandomSeed = spec.Seed,
        });
        var server = new NetworkEngine(new EngineOptions
        {
            LocalAddress = ServerAddress,
            Device = link.B,
            Clock = clock,
            Tcp = tcp.Clone(),
            RandomSeed = spec.Seed + 1,
        });

        var receiver = new BulkReceiver(server, spec.Bytes);
        server.Listen(ServerPort, 16, receiver);
        var sender = new BulkSender(spec.Bytes, spec.Seed);

        var stopwatch = Stopwatch.StartNew();
        long simulatedStart = clock.NowMicroseconds;
        long simulatedEnd = simulatedStart;
        sender.Start(client, ServerAddress, ServerPort);
        if (spec.Threads >= 2 && !spec.VirtualTime)
        {
            RunThreaded(client, server, link, sender, receiver, progress, spec.Bytes);
        }
        else
        {
            simulatedEnd = RunOnOneThread(client, server, sender, receiver, clock as VirtualClock, progress, spec.Bytes);
        }
        stopwatch.Stop();

        long checksumDrops = client.Statistics.Drops[DropReason.BadTcpChecksum] + server.Statistics.Drops[DropReason.BadTcpChecksum] +
                             client.Statistics.Drops[DropReason.BadIpChecksum] + server.Statistics.Drops[DropReason.BadIpChecksum];
        string sent = sender.Sha256Hex;
        string received = receiver.Sha256Hex;
        return new TransferReport
        {
            Bytes = receiver.BytesReceived,
            Seconds = receiver.ElapsedSeconds > 0 ? receiver.ElapsedSeconds : stopwatch.Elapsed.TotalSeconds,
            Retransmits = client.Statistics.Retransmissions,
            SimulatedSeconds = spec.VirtualTime ? (simulatedEnd - simulatedStart) / 1e6 : 0,
            FastRetransmits = client.Statistics.FastRetransmits,
            RackLossDetections = client.Statistics.RackLossDetections,
            TailLossProbes = client.Statistics.TailLossProbes,
            RetransmitTimeouts = client.Statistics.RetransmitTimeouts,
            SpuriousUndos = client.Statistics.SpuriousRetransmitUndos,
            Sha256Match = sender.Completed && receiver.Completed && receiver.BytesReceived == spec.Bytes && sent == received,
            SentSha256 = sent,
            ReceivedSha256 = received,
            PacketsSent = client.Statistics.PacketsOut,
            PacketsDropped = (link.A.Faults?.Lost ?? 0) + (link.B.Faults?.Lost ?? 0),
            ChecksumDrops = checksumDrops,
            Error = sender.Error ?? receiver.Error,
            VerifySeconds = receiver.VerifySeconds,
        };
    }

    /// <summary>
    /// Both engines on the calling thread. On virtual time an idle loop jumps the clock to the next event; on real
    /// time it yields until a timer is due. Returns the clock's time when the last byte arrived.
    /// </summary>
    private static long RunOnOneThread(NetworkEngine client, NetworkEngine server, BulkSender sender, BulkReceiver receiver,
        VirtualClock? virtualClock, TextWriter? progress, long total)
    {
        IClock clock = (IClock?)virtualClock ?? MonotonicClock.Instance;
        long lastReport = 0;
        long idleLimit = clock.NowMicroseconds + 3_600_000_000;
        while (!receiver.Completed && sender.Error is null && receiver.Error is null)
        {
            int work = client.Poll() + server.Poll();
            sender.Pump();
            if (work == 0)
            {
                // Nothing moved: jump to the next event, at most 1 ms at a time so held packets are released in order.
                long next = Math.Min(client.NextTimerDeadline(), server.NextTimerDeadline());
                if (virtualClock is not null)
                {
                    virtualClock.AdvanceTo(Math.Min(next, clock.NowMicroseconds + 1000));
                }
                else
                {
                    Thread.Yield();
                }
                if (clock.NowMicroseconds > idleLimit)
                {
                    receiver.Fail("transfer stalled for an hour");
                }
            }
            else
            {
                virtualClock?.Advance(1);
            }
            if (progress is not null && receiver.BytesReceived - lastReport >= total / 10)
            {
                lastReport = receiver.BytesReceived;
                progress.WriteLine($"  {receiver.BytesReceived * 100 / total,3}%  {receiver.BytesReceived:N0} bytes");
            }
        }
        long completedAt = clock.NowMicroseconds;
        // Let the closing handshake finish so that a capture shows the whole connection.
        for (int i = 0; i < 10_000 && client.ConnectionCount + server.ConnectionCount > 0; i++)
        {
            if (client.Poll() + server.Poll() == 0)
            {
                virtualClock?.Advance(1000);
            }
        }
        return completedAt;
    }

    private static void RunThreaded(NetworkEngine client, NetworkEngine server, InMemoryLink link, BulkSender sender,
        BulkReceiver receiver, TextWriter? progress, long total)
    {
        using var done = new CancellationTokenSource();
        var serverThread = new Thread(() => EngineLoop(server, link.B, null, () => receiver.Completed || receiver.Error is not null, done.Token))
        {
            Name = "fastsocket-server",
            IsBackground = true,
        };
        var clientThread = new Thread(() => EngineLoop(client, link.A, sender, () => receiver.Completed || sender.Error is not null, done.Token))
        {
            Name = "fastsocket-client",
            IsBackground = true,
        };
        serverThread.Start();
        clientThread.Start();
        long lastReport = 0;
        var guard = Stopwatch.StartNew();
        while (!serverThread.Join(100))
        {
            if (progress is not null && receiver.BytesReceived - lastReport >= total / 10)
            {
                lastReport = receiver.BytesReceived;
                progress.WriteLine($"  {receiver.BytesReceived * 100 / total,3}%  {receiver.BytesReceived:N0} bytes");
            }
            if (guard.Elapsed > TimeSpan.FromMinutes(30))
            {
                receiver.Fail("transfer did not finish within 30 minutes");
            }
        }
        done.CancelAfter(TimeSpan.FromSeconds(2));
        clientThread.Join();
    }

    private static void EngineLoop(NetworkEngine engine, InMemoryPort port, BulkSender? sender, Func<bool> finished, CancellationToken stop)
    {
        int idleSpins = 0;
        while (!finished() && !stop.IsCancellationRequested)
        {
            int work = engine.Poll(128);
            if (sender is not null)
            {
                work += sender.Pump();
            }
            if (work > 0)
            {
                idleSpins = 0;
                continue;
            }
            if (++idleSpins < 50)
            {
                Thread.SpinWait(20);
                continue;
            }
            // Idle: sleep until a packet arrives or the next timer is due (an idle engine uses no CPU).
            long wait = (engine.NextTimerDeadline() - engine.NowMicroseconds) / 1000;
            port.WaitForPackets((int)Math.Clamp(wait, 1, 50));
        }
        // The peer is done reading; finish our side's close so that both ends leave cleanly.
        for (int i = 0; i < 200 && engine.ConnectionCount > 0 && !stop.IsCancellationRequested; i++)
        {
            if (engine.Poll() == 0)
            {
                port.WaitForPackets(1);
            }
        }
    }
}
