using Fastsocket.Wire;

namespace Fastsocket.Simulation;

/// <summary>
/// Injects spoofed SYNs toward the listening port and malformed packets into the server's device queues at bounded
/// rates, on its own thread, every 10 ms, until stopped.
/// </summary>
public sealed class SoakFlooder
{
    private const int TickMilliseconds = 10;

    private readonly SoakInjectionDevice _device;
    private readonly SoakPacketFactory _packets;
    private readonly Random _queues;
    private readonly int _synsPerSecond;
    private readonly int _malformedPerSecond;
    private readonly CancellationToken _hardStop;
    private readonly Thread _thread;
    private volatile bool _stop;
    private long _syns;
    private long _malformed;

    internal SoakFlooder(SoakInjectionDevice device, IpAddress target, ushort port, SoakSpec spec, CancellationToken hardStop)
        : this(device, target, port, spec.Seed, spec.SynFloodPerSecond, spec.MalformedPerSecond, hardStop)
    {
    }

    /// <summary>
    /// A flooder that injects <paramref name="synsPerSecond"/> spoofed SYNs (sources in 198.19.0.0/16, random ports) toward
    /// <paramref name="target"/>:<paramref name="port"/> and <paramref name="malformedPerSecond"/> malformed packets into
    /// <paramref name="device"/>'s queues, spread at random over them; <paramref name="seed"/> fixes the packet sequence.
    /// It stops on <see cref="Stop"/> or when <paramref name="hardStop"/> is cancelled, whichever comes first.
    /// </summary>
    public SoakFlooder(SoakInjectionDevice device, IpAddress target, ushort port, int seed, int synsPerSecond,
        int malformedPerSecond, CancellationToken hardStop)
    {
        ArgumentNullException.ThrowIfNull(device);
        ArgumentOutOfRangeException.ThrowIfNegative(synsPerSecond);
        ArgumentOutOfRangeException.ThrowIfNegative(malformedPerSecond);
        _device = device;
        _packets = new SoakPacketFactory(seed + 500, target, port);
        _queues = new Random(seed + 600);
        _synsPerSecond = synsPerSecond;
        _malformedPerSecond = malformedPerSecond;
        _hardStop = hardStop;
        _thread = new Thread(Run) { Name = "soak-flooder", IsBackground = true };
    }

    /// <summary>Spoofed SYNs injected so far (including any the device dropped for a full queue).</summary>
    public long SynsSent => Interlocked.Read(ref _syns);

    /// <summary>Malformed packets injected so far.</summary>
    public long MalformedSent => Interlocked.Read(ref _malformed);

    /// <summary>Starts the flooding thread.</summary>
    public void Start() => _thread.Start();

    /// <summary>Stops the flooding thread and waits (at most 5 s) for it to end.</summary>
    public void Stop()
    {
        _stop = true;
        if (_thread.IsAlive)
        {
            _thread.Join(TimeSpan.FromSeconds(5));
        }
    }

    private void Run()
    {
        Span<byte> packet = stackalloc byte[SoakPacketFactory.MaxPacketLength + 64];
        long start = Environment.TickCount64;
        while (!_stop && !_hardStop.IsCancellationRequested)
        {
            // Rates are kept against elapsed time, so a late tick catches up instead of the rate sagging.
            double seconds = (Environment.TickCount64 - start) / 1000.0;
            while (SynsSent < seconds * _synsPerSecond && !_stop)
            {
                _device.Inject(_queues.Next(_device.QueueCount), packet[.._packets.WriteSpoofedSyn(packet)]);
                Interlocked.Increment(ref _syns);
            }
            while (MalformedSent < seconds * _malformedPerSecond)
            {
                _device.Inject(_queues.Next(_device.QueueCount), packet[.._packets.WriteMalformed(packet)]);
                Interlocked.Increment(ref _malformed);
            }
            Thread.Sleep(TickMilliseconds);
        }
    }
}
