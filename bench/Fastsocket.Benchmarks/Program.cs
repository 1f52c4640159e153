using BenchmarkDotNet.Running;

namespace Fastsocket.Benchmarks;

/// <summary>
/// Micro-benchmarks of the packet hot paths. Run everything with
/// <c>dotnet run -c Release --project bench/Fastsocket.Benchmarks -- --filter '*'</c>
/// and add <c>--job short</c> for a quick pass; any BenchmarkDotNet option works.
/// </summary>
public static class Program
{
    public static void Main(string[] args) => BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
}
