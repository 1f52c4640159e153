using BenchmarkDotNet.Attributes;
using Fastsocket.Tcp;
using Fastsocket.Wire;

namespace Fastsocket.Benchmarks;

/// <summary>
/// The demultiplexing lookups of NetworkEngine.ReceiveTcp: the established table (a Dictionary keyed by
/// <see cref="FlowKey"/>, hit and miss) and the TIME-WAIT table. Each invocation looks up <see cref="Batch"/>
/// keys in a shuffled order, so a large table is probed the way real traffic probes it (mostly cache misses)
/// rather than one hot key; times are per lookup.
/// </summary>
[MemoryDiagnoser]
public class TableLookupBenchmarks
{
    public const int Batch = 1024;

    private Dictionary<FlowKey, object> _established = [];
    private TimeWaitTable _timeWait = new(0);
    private FlowKey[] _present = [];
    private FlowKey[] _absent = [];

    [Params(1_000, 100_000)]
    public int Entries { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(42);
        // Clients spread over a /16 and the ephemeral range, all to one local address and port, as on a server.
        var keys = new FlowKey[Entries];
        var seen = new HashSet<FlowKey>();
        for (int i = 0; i < Entries; i++)
        {
            FlowKey key;
            do
            {
                key = RandomKey(random);
            }
            while (!seen.Add(key));
            keys[i] = key;
        }
        _established = new Dictionary<FlowKey, object>(1024);
        var value = new object();
        foreach (FlowKey key in keys)
        {
            _established.Add(key, value);
        }
        // The engine's default cap (262,144 records), filled with Entries records of one lifetime.
        _timeWait = new TimeWaitTable(new TcpConfig().MaxTimeWaitRecords);
        for (int i = 0; i < keys.Length; i++)
        {
            _timeWait.TryAdd(new TimeWaitRecord(keys[i], new SeqNumber(1), new SeqNumber(2), 60_000_000 + i));
        }
        _present = new FlowKey[Batch];
        _absent = new FlowKey[Batch];
        for (int i = 0; i < Batch; i++)
        {
            _present[i] = keys[random.Next(keys.Length)];
            FlowKey miss;
            do
            {
                miss = RandomKey(random);
            }
            while (seen.Contains(miss));
            _absent[i] = miss;
        }
    }

    private static FlowKey RandomKey(Random random) => new(Packets.Server, Packets.ServerPort,
        IpAddress.FromIPv4(10, 0, (byte)random.Next(256), (byte)random.Next(256)), (ushort)random.Next(32768, 61000));

    [Benchmark(OperationsPerInvoke = Batch)]
    public int EstablishedHit() => Probe(_present);

    [Benchmark(OperationsPerInvoke = Batch)]
    public int EstablishedMiss() => Probe(_absent);

    [Benchmark(OperationsPerInvoke = Batch)]
    public int TimeWaitHit() => ProbeTimeWait(_present);

    [Benchmark(OperationsPerInvoke = Batch)]
    public int TimeWaitMiss() => ProbeTimeWait(_absent);

    private int Probe(FlowKey[] keys)
    {
        Dictionary<FlowKey, object> table = _established;
        int found = 0;
        foreach (FlowKey key in keys)
        {
            if (table.TryGetValue(key, out object? _))
            {
                found++;
            }
        }
        return found;
    }

    private int ProbeTimeWait(FlowKey[] keys)
    {
        TimeWaitTable table = _timeWait;
        int found = 0;
        foreach (FlowKey key in keys)
        {
            if (table.TryGet(key, out TimeWaitRecord _))
            {
                found++;
            }
        }
        return found;
    }
}
