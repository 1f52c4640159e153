using Fastsocket.Wire;

namespace Fastsocket.Simulation;

/// <summary>
/// Injects spoofed SYNs toward the listening port and malformed packets into the server's device queues at bounded
/// rates, on its own thread, every 10 ms, until stopped.
/// </summary>
internal sealed class SoakFlooder
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

    public SoakFlooder(SoakInjectionDevice device, IpAddress target, ushort port, SoakSpec spec, CancellationToken hardStop)
    {
        _device = device;
        _packets = new SoakPacketFactory(spec.Seed + 500, target, port);
        _queues = new Random(spec.Seed + 600);
        _synsPerSecond = spec.SynFloodPerSecond;
        _malformedPerSecond = spec.MalformedPerSecond;
        _hardStop = hardStop;
        _thread = new Thread(Run) { Name = "soak-flooder", IsBackground = true };
    }

    public long SynsSent => Interlocked.Read(ref _syns);

    public long MalformedSent => Interlocked.Read(ref _malformed);

    public void Start() => _thread.Start();

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
            while (SynsSent < seconds * _synsPerSecond)
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
