using System.Runtime.InteropServices;

namespace Fastsocket.Bench;

/// <summary>The machine a run happened on, recorded next to the results so figures can be compared fairly.</summary>
public sealed record BenchMachine(int ProcessorCount, string Os, string Architecture, string DotnetVersion, string? CpuModel)
{
    /// <summary>This machine now; the CPU model comes from /proc/cpuinfo and is null where that cannot be read.</summary>
    public static BenchMachine Current() => new(
        Environment.ProcessorCount,
        RuntimeInformation.OSDescription,
        RuntimeInformation.OSArchitecture.ToString(),
        RuntimeInformation.FrameworkDescription,
        ReadCpuModel());

    private static string? ReadCpuModel()
    {
        try
        {
            if (!File.Exists("/proc/cpuinfo"))
            {
                return null;
            }

            foreach (var line in File.ReadLines("/proc/cpuinfo"))
            {
                if (line.StartsWith("model name", StringComparison.Ordinal))
                {
                    var colon = line.IndexOf(':', StringComparison.Ordinal);
                    return colon >= 0 ? line[(colon + 1)..].Trim() : null;
                }
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }

        return null;
    }
}
