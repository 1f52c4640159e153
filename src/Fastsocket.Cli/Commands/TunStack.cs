using System.Diagnostics.CodeAnalysis;
using Fastsocket.Cli.Serve;
using Fastsocket.Devices;
using Fastsocket.Devices.Tun;
using Fastsocket.Stack;
using Fastsocket.Tcp;
using Fastsocket.Wire;

namespace Fastsocket.Cli.Commands;

/// <summary>
/// A stack on a freshly created TUN device with the kernel side addressed. Disposing stops the engines first and then
/// closes the device, which removes it from the system.
/// </summary>
internal sealed class TunStack : IDisposable
{
    private readonly long _startedMicroseconds;

    private TunStack(TunDevice device, FastsocketStack stack, PcapWriter? capture)
    {
        _startedMicroseconds = stack.Options.Clock.NowMicroseconds;
        Device = device;
        Stack = stack;
        Capture = capture;
    }

    public TunDevice Device { get; }

    public FastsocketStack Stack { get; }

    public PcapWriter? Capture { get; }

    /// <summary>
    /// <see cref="Start"/>, with the set-up failures a user can fix (no root, no /dev/net/tun, no 'ip') returned as
    /// <paramref name="error"/> in words with the remedy instead of thrown; anything else still throws.
    /// </summary>
    public static bool TryStart(TunSettings settings, string name, [NotNullWhen(true)] out TunStack? stack, [NotNullWhen(false)] out string? error)
    {
        try
        {
            stack = Start(settings, name);
            error = null;
            return true;
        }
        catch (Exception ex) when (TunFailure.Explain(ex, name, settings.Name) is { } explained)
        {
            stack = null;
            error = explained;
            return false;
        }
    }

    /// <summary>Creates the device, addresses the kernel's side and starts a fastsocket-design stack on it.</summary>
    public static TunStack Start(TunSettings settings, string name)
    {
        PcapWriter? capture = settings.PcapPath is null ? null : new PcapWriter(settings.PcapPath);
        TunDevice? device = null;
        try
        {
            device = TunDevice.Create(settings.Name, settings.Cores, capture: capture);
            device.ConfigureHost(settings.HostAddress, settings.Prefix, settings.QueueLength);
            var stack = new FastsocketStack(new StackOptions
            {
                Design = StackDesign.Fastsocket,
                Cores = settings.Cores,
                LocalAddress = IpAddress.FromIPAddress(settings.Address),
                Device = device,
                // Buffers as Linux autotunes them for a busy connection: with 256 KB the kernel peer spent most of a lossy
                // echo waiting on our closed window.
                Tcp = new TcpConfig { NoDelay = true, SendBufferSize = 1 << 20, ReceiveBufferSize = 1 << 20 },
                PinThreads = settings.Pin,
                Name = name,
            });
            // Faults inside an engine are survived (counted), but a person running the server must see them.
            stack.UnhandledException += (core, error) => Console.Error.WriteLine($"fastsocket: core {core}: {error}");
            stack.Start();
            return new TunStack(device, stack, capture);
        }
        catch
        {
            device?.Dispose();
            capture?.Dispose();
            throw;
        }
    }

    /// <summary>Engine and device counters, one "name value" pair per line, for the report at exit.</summary>
    public void WriteStatistics(TextWriter output)
    {
        EngineStatistics s = Stack.TotalStatistics();
        output.WriteLine($"engine: packets in {s.PacketsIn} out {s.PacketsOut}, bytes in {s.BytesIn} out {s.BytesOut}");
        output.WriteLine($"engine: segments in {s.SegmentsIn} out {s.SegmentsOut}, retransmissions {s.Retransmissions} (fast {s.FastRetransmits}, timeouts {s.RetransmitTimeouts}), faults {s.EngineFaults}");
        output.WriteLine($"engine: recovery: rack {s.RackLossDetections}, tlp {s.TailLossProbes}, spurious undone {s.SpuriousRetransmitUndos}, dsacks {s.DuplicateSacksReceived}");
        output.WriteLine($"engine: connections opened {s.ConnectionsOpened} accepted {s.ConnectionsAccepted} closed {s.ConnectionsClosed} reset {s.ConnectionsReset} timed out {s.ConnectionsTimedOut}");
        output.WriteLine($"engine: resets sent {s.ResetsSent}, challenge ACKs {s.ChallengeAcksSent}, TIME-WAIT entered {s.TimeWaitEntered} reused {s.TimeWaitReused} overflow {s.TimeWaitOverflow}");
        output.WriteLine($"engine: ICMP echo replies {s.IcmpEchoReplies}, RFD hand-offs {s.RfdHandoffs}, global listener fallbacks {s.GlobalListenerFallbacks}");
        output.WriteLine($"engine: SYN cookies sent {s.SynCookiesSent} validated {s.SynCookiesValidated} rejected {s.SynCookiesRejected}; rate-limited RSTs {s.RstRateLimited}, TIME-WAIT ACKs {s.TimeWaitAckRateLimited}, ICMP replies {s.IcmpRateLimited}, challenge ACKs {s.ChallengeAckRateLimited}, out-of-window ACKs {s.OutOfWindowAckRateLimited}");
        string drops = string.Join(", ", s.Drops.NonZero().Select(static d => $"{d.Reason} {d.Count}"));
        output.WriteLine($"engine: drops {s.Drops.Total}{(drops.Length > 0 ? $" ({drops})" : "")}");
        foreach (TunQueue queue in Device.Queues)
        {
            output.WriteLine($"tun {Device.Name} queue {queue.Index}: packets in {queue.PacketsIn} out {queue.PacketsOut}, bytes in {queue.BytesIn} out {queue.BytesOut}, read errors {queue.ReadErrors}, write errors {queue.WriteErrors}, oversize {queue.OversizeDrops}, wakeups {queue.Wakeups}");
        }
        DeviceLoadReport.Write(output, Device.Name, Device, Stack, _startedMicroseconds);
    }

    public void Dispose()
    {
        Stack.Dispose();
        Device.Dispose();
        Capture?.Dispose();
    }
}
