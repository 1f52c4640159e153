using Fastsocket.Devices;
using Fastsocket.Stack;

namespace Fastsocket.Cli.Serve;

/// <summary>
/// The lines of serve's and load's statistics that put the device's drops beside the engines' load: what the kernel
/// dropped at the TUN device (packets the engines never saw), how busy each core was, and whether the drops came
/// from a core that could not keep up (saturated) or from a queue too short for the engines' turns.
/// </summary>
internal static class DeviceLoadReport
{
    /// <summary>A core busier than this share of the time, that also stopped turns at its read limit, is saturated.</summary>
    private const double SaturatedBusyShare = 0.8;

    public static void Write(TextWriter output, string deviceName, IHostDropCounters device, FastsocketStack stack, long startedMicroseconds)
    {
        long? toward = device.DroppedTowardStack;
        long? from = device.DroppedFromStack;
        output.WriteLine($"tun {deviceName}: kernel queue {device.HostQueueLength} packets per engine; kernel drops: {Show(toward)} queued for the stack (queue full), {Show(from)} written by the stack");
        double elapsed = Math.Max(1, stack.Options.Clock.NowMicroseconds - startedMicroseconds);
        var saturated = new List<int>();
        foreach (EngineCore core in stack.Cores)
        {
            double busy = Math.Clamp(1 - core.IdleMicroseconds / elapsed, 0, 1);
            output.WriteLine($"core {core.CoreId}: busy {busy:P1} of {elapsed / 1e6:F1} s, busy turns {core.BusyTurns}, turns at read limit {core.TurnsAtReadLimit} ({core.ReadBatchesPerTurn} batch(es) a turn), sleeps {core.Sleeps}");
            if (core.TurnsAtReadLimit > 0 && busy >= SaturatedBusyShare)
            {
                saturated.Add(core.CoreId);
            }
        }
        if (saturated.Count > 0)
        {
            // A saturated core falls behind whatever the queue length: packets wait, and the kernel drops once more are
            // in flight toward the stack than the queue holds. A longer queue turns those drops into delay; only more
            // cores (or less load) shorten the delay.
            output.WriteLine($"saturated: core(s) {string.Join(", ", saturated)} read full turns while busy over {SaturatedBusyShare:P0} of the time; " +
                (toward > 0
                    ? $"the kernel dropped {toward} packets that did not fit the queue behind them (a longer --tun-queue-len turns drops into delay; more cores serve the load)"
                    : "the queue held everything (no device drops); the load waited instead"));
        }
        else if (toward > 0)
        {
            output.WriteLine($"queue too short: the kernel dropped {toward} packets while no core was saturated; raise --tun-queue-len");
        }
    }

    private static string Show(long? count) => count?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "unknown";
}
