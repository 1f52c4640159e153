using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace Fastsocket.Benchmarks;

/// <summary>
/// Bytes processed per second, from the mean time and the benchmark's <c>Size</c> parameter
/// (BenchmarkDotNet has no built-in throughput column).
/// </summary>
public sealed class ThroughputColumn : IColumn
{
    public string Id => nameof(ThroughputColumn);

    public string ColumnName => "Throughput";

    public bool AlwaysShow => true;

    public ColumnCategory Category => ColumnCategory.Custom;

    public int PriorityInCategory => 0;

    public bool IsNumeric => true;

    public UnitType UnitType => UnitType.Dimensionless;

    public string Legend => "Bytes checksummed per second (Size / Mean), in GB/s (10^9 bytes)";

    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;

    public bool IsAvailable(Summary summary) => true;

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
    {
        double? meanNs = summary[benchmarkCase]?.ResultStatistics?.Mean;
        object? size = benchmarkCase.Parameters["Size"];
        if (meanNs is not double ns || ns <= 0 || size is not int bytes)
        {
            return "-";
        }
        return $"{bytes / ns:0.00} GB/s";
    }

    public override string ToString() => ColumnName;
}
