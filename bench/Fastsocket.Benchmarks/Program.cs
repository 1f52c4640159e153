using BenchmarkDotNet.Running;

namespace Fastsocket.Benchmarks;

/// <summary>
/// Micro-benchmarks of the packet hot paths. Run everything with
/// <c>dotnet run -c Release --project bench/Fastsocket.Benchmarks -- --filter '*'</c>
/// and add <c>--job short</c> for a quick pass; any BenchmarkDotNet option works.
/// <c>--connections N</c> instead runs N whole connections of <see cref="ConnectionBenchmarks"/> once, untimed, for an
/// instruction counter to measure (<c>bench/scripts/instructions-per-connection.sh</c>).
/// </summary>
public static class Program
{
    public static void Main(string[] args)
    {
        if (args.Length == 2 && args[0] == "--connections")
        {
            var bench = new ConnectionBenchmarks();
            bench.Setup();
            int n = int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture);
            for (int i = 0; i < n; i++)
            {
                bench.OpenServeClose();
            }
            return;
        }
        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
    }
}
