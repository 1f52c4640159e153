using System.Globalization;

namespace Fastsocket.Cli.Bench.Real;

/// <summary>
/// Runs <c>bench --real</c>: in its own namespace, for each run, each server in turn (the order rotates between runs
/// so that no server always goes first): start it on the server CPUs, warm it up, then load it with the client on
/// the other CPUs for the measured window, reading the server's CPU time from /proc at the window's edges, and stop
/// it. A server that fails to start or to answer becomes an error in its row, not a failed bench.
/// </summary>
internal sealed class RealBenchRunner
{
    private static readonly TimeSpan StartLimit = TimeSpan.FromSeconds(45);

    private readonly RealBenchSettings _settings;
    private readonly TextWriter _log;

    /// <summary>A runner for <paramref name="settings"/>, reporting progress on <paramref name="log"/>.</summary>
    public RealBenchRunner(RealBenchSettings settings, TextWriter log)
    {
        _settings = settings;
        _log = log;
    }

    /// <summary>Why the bench cannot run on this machine (not root, no TUN, a missing tool); null when it can.</summary>
    public static string? Precondition(out string? ip, out string? taskset)
    {
        ip = RealTools.Find("ip");
        taskset = RealTools.Find("taskset");
        if (!IsRoot())
        {
            return "bench --real needs root: it creates a network namespace and TUN devices (run it with sudo)";
        }
        if (!File.Exists("/dev/net/tun"))
        {
            return "bench --real needs /dev/net/tun (the TUN driver), which is missing";
        }
        if (ip is null)
        {
            return "bench --real needs the ip command (iproute2), which is not on PATH";
        }
        if (taskset is null)
        {
            return "bench --real needs taskset (util-linux) to pin servers and client, which is not on PATH";
        }
        return null;
    }

    /// <summary>Runs every server <see cref="RealBenchSettings.Runs"/> times; null with the reason when the namespace or client is missing.</summary>
    public RealBenchReport? Run(string ip, string taskset, CancellationToken cancellationToken, out string? problem)
    {
        int processors = Environment.ProcessorCount;
        int serverCores = _settings.ServerCores;
        // More server cores than CPUs: the servers get every CPU (their engine threads then share them).
        int serverCpuCount = Math.Min(serverCores, processors);
        string serverCpus = serverCpuCount == 1 ? "0" : $"0-{serverCpuCount - 1}";
        string clientCpus = serverCores < processors
            ? (serverCores == processors - 1 ? $"{serverCores}" : $"{serverCores}-{processors - 1}")
            : $"0-{processors - 1}";
        int clientThreads = serverCores < processors ? processors - serverCores : processors;

        RealLoadClient? client = RealLoadClient.Find(clientThreads, _settings.Connections);
        if (client is null)
        {
            problem = "neither wrk nor ab (apache2-utils) is on PATH: bench --real needs one of them as its client";
            return null;
        }
        using RealNetworkNamespace? ns = RealNetworkNamespace.TryCreate(ip, out problem);
        if (ns is null)
        {
            return null;
        }
        if (serverCores >= processors)
        {
            _log.WriteLine($"note: {serverCores} server cores leave no CPU for the client; client and servers share CPUs 0-{processors - 1}");
        }

        // Each server stops by itself after this long at the latest, should the bench itself be killed.
        int lifetime = (_settings.WarmupSeconds + _settings.DurationSeconds) + 120;
        var catalog = new RealServerCatalog(RealCliInvocation.Current(), serverCores, lifetime);
        var samples = _settings.Designs.ToDictionary(d => d, _ => new List<RealSample>());
        var unavailable = new Dictionary<string, string>();
        var devices = new Dictionary<string, string>();

        for (int run = 0; run < _settings.Runs && !cancellationToken.IsCancellationRequested; run++)
        {
            for (int i = 0; i < _settings.Designs.Count && !cancellationToken.IsCancellationRequested; i++)
            {
                string design = _settings.Designs[(i + run) % _settings.Designs.Count];
                if (unavailable.ContainsKey(design))
                {
                    continue;
                }
                RealServerLaunch launch = catalog.Create(design);
                devices[design] = launch.Device;
                if (launch.Unavailable is { } reason)
                {
                    unavailable[design] = reason;
                    _log.WriteLine($"{design}: {reason}; skipped");
                    continue;
                }
                RealSample sample = Measure(launch, ns, taskset, serverCpus, clientCpus, client, cancellationToken);
                samples[design].Add(sample);
                _log.WriteLine(sample.Problem is null
                    ? string.Create(CultureInfo.InvariantCulture,
                        $"run {run + 1}/{_settings.Runs} {design}: {sample.Load.ConnectionsPerSecond:0} conn/s, p99 {sample.Load.P99Microseconds:0} us, {sample.Load.Errors} errors, {sample.ServerCpuMicrosecondsPerConnection:0.0} server CPU us/conn")
                    : $"run {run + 1}/{_settings.Runs} {design}: {sample.Problem}");
            }
        }

        List<RealRow> rows = _settings.Designs
            .Select(d => RealRow.From(d, devices.GetValueOrDefault(d, RealDesigns.LoopbackDevice), serverCores, samples[d], unavailable.GetValueOrDefault(d)))
            .ToList();
        problem = null;
        return new RealBenchReport(_settings, client.Name, serverCpus, clientCpus, rows, Fastsocket.Bench.BenchMachine.Current());
    }

    private RealSample Measure(RealServerLaunch launch, RealNetworkNamespace ns, string taskset, string serverCpus, string clientCpus,
        RealLoadClient client, CancellationToken cancellationToken)
    {
        using RealServerProcess? server = RealServerProcess.Start(launch, ns, taskset, serverCpus, StartLimit, cancellationToken, out string? problem);
        if (server is null)
        {
            return RealSample.Failed($"server did not start: {problem}");
        }
        if (_settings.WarmupSeconds > 0)
        {
            RealLoadOutcome warmup = client.Run(ns, taskset, clientCpus, launch.Url, _settings.WarmupSeconds);
            if (warmup.Problem is not null || warmup.Connections == 0)
            {
                return RealSample.Failed($"warmup failed: {warmup.Problem ?? "no connection completed"}; server: {server.OutputTail()}");
            }
        }

        double before = RealProcessCpu.Microseconds(server.Pid);
        RealLoadOutcome load = client.Run(ns, taskset, clientCpus, launch.Url, _settings.DurationSeconds);
        double used = RealProcessCpu.Microseconds(server.Pid) - before;
        if (server.HasExited)
        {
            return RealSample.Failed($"server exited during the load: {server.OutputTail()}");
        }
        if (load.Problem is not null)
        {
            return RealSample.Failed(load.Problem);
        }
        if (load.Connections == 0)
        {
            return RealSample.Failed($"no connection completed; server: {server.OutputTail()}");
        }
        return new RealSample(load, used / load.Connections, null);
    }

    /// <summary>Whether the effective user id is 0 (the second field of Uid: in /proc/self/status).</summary>
    private static bool IsRoot()
    {
        try
        {
            foreach (string line in File.ReadLines("/proc/self/status"))
            {
                if (line.StartsWith("Uid:", StringComparison.Ordinal))
                {
                    string[] ids = line[4..].Split((char[])['\t', ' '], StringSplitOptions.RemoveEmptyEntries);
                    return ids.Length > 1 && ids[1] == "0";
                }
            }
        }
        catch (IOException)
        {
            return false;
        }
        return false;
    }
}
