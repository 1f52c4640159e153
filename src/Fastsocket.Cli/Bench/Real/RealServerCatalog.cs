using System.Globalization;
using Fastsocket.AspNetCore;
using Fastsocket.Diagnostics;

namespace Fastsocket.Cli.Bench.Real;

/// <summary>
/// The launch of each <c>bench --real</c> server. The two TUN servers get their own /24 from 198.18.0.0/15 (the stack
/// at .2, the kernel's side of the device at .1); the kernel servers listen on the namespace's 127.0.0.1. Each
/// Fastsocket.NET server pins its engine threads, and all run under the same taskset CPU list (set by the caller). The
/// three .NET servers get the same JIT environment (<see cref="SingleCpuJitTiering"/>), so that on one server CPU none of
/// them runs unoptimised code for its first seconds.
/// </summary>
internal sealed class RealServerCatalog
{
    /// <summary>The port every server listens on.</summary>
    public const int Port = 8080;

    /// <summary>What every .NET server of the bench gets in its environment: the JIT's usual delay on one CPU.</summary>
    private static readonly IReadOnlyDictionary<string, string> DotNetServerEnvironment =
        new Dictionary<string, string> { [SingleCpuJitTiering.Variable] = SingleCpuJitTiering.Value };

    private readonly RealCliInvocation _cli;
    private readonly int _serverCores;
    private readonly int _lifetimeSeconds;

    /// <summary>Servers with <paramref name="serverCores"/> cores, each stopping by itself after <paramref name="lifetimeSeconds"/> at the latest.</summary>
    public RealServerCatalog(RealCliInvocation cli, int serverCores, int lifetimeSeconds)
    {
        _cli = cli;
        _serverCores = serverCores;
        _lifetimeSeconds = lifetimeSeconds;
    }

    /// <summary>The launch of <paramref name="design"/>, one of <see cref="RealDesigns.All"/>.</summary>
    public RealServerLaunch Create(string design) => design switch
    {
        RealDesigns.ServeTun => ServeTun(),
        RealDesigns.NginxKernel => Nginx(),
        RealDesigns.KestrelSockets => Kestrel(overTun: false),
        RealDesigns.KestrelTun => Kestrel(overTun: true),
        _ => throw new ArgumentOutOfRangeException(nameof(design), design, "not a bench --real design"),
    };

    private string Cores => _serverCores.ToString(CultureInfo.InvariantCulture);

    private RealServerLaunch ServeTun() => new()
    {
        Design = RealDesigns.ServeTun,
        Device = RealDesigns.TunDevice,
        Url = $"http://198.18.40.2:{Port}/",
        FileName = _cli.FileName,
        Arguments = _cli.With("serve", "--http", "--tun", "fsreal0", "--address", "198.18.40.2/24", "--host-address", "198.18.40.1",
            "--cores", Cores, "--pin", "--port", Port.ToString(CultureInfo.InvariantCulture),
            "--duration", _lifetimeSeconds.ToString(CultureInfo.InvariantCulture)),
        Environment = DotNetServerEnvironment,
        ReadyMarker = "fastsocket: ready",
    };

    private RealServerLaunch Kestrel(bool overTun)
    {
        var environment = new Dictionary<string, string>
        {
            [FastsocketEnvironment.Cores] = Cores,
            [RealKestrelServer.LifetimeVariable] = _lifetimeSeconds.ToString(CultureInfo.InvariantCulture),
            ["DOTNET_NOLOGO"] = "1",
            ["DOTNET_gcServer"] = "0",
            [SingleCpuJitTiering.Variable] = SingleCpuJitTiering.Value,
        };
        string url = $"http://127.0.0.1:{Port}/";
        if (overTun)
        {
            environment[FastsocketEnvironment.Device] = "tun:fsreal1";
            environment[FastsocketEnvironment.Address] = "198.18.41.2/24";
            environment[FastsocketEnvironment.HostAddress] = "198.18.41.1";
            url = $"http://198.18.41.2:{Port}/";
        }
        return new RealServerLaunch
        {
            Design = overTun ? RealDesigns.KestrelTun : RealDesigns.KestrelSockets,
            Device = overTun ? RealDesigns.TunDevice : RealDesigns.LoopbackDevice,
            Url = url,
            FileName = _cli.FileName,
            Arguments = _cli.With("bench", RealBenchOptions.KestrelChildOption, url),
            Environment = environment,
            ReadyMarker = RealKestrelServer.ReadyMarker,
        };
    }

    private RealServerLaunch Nginx()
    {
        string url = $"http://127.0.0.1:{Port}/";
        if (RealTools.Find("nginx") is not { } nginx)
        {
            return new RealServerLaunch
            {
                Design = RealDesigns.NginxKernel,
                Device = RealDesigns.LoopbackDevice,
                Url = url,
                Unavailable = "nginx is not installed (not on PATH)",
            };
        }

        string prefix = Directory.CreateTempSubdirectory("fastsocket-real-nginx-").FullName;
        string config = Path.Combine(prefix, "nginx.conf");
        string pid = Path.Combine(prefix, "nginx.pid");
        File.WriteAllText(config, NginxConfig(prefix, pid));
        return new RealServerLaunch
        {
            Design = RealDesigns.NginxKernel,
            Device = RealDesigns.LoopbackDevice,
            Url = url,
            FileName = nginx,
            Arguments = ["-p", prefix, "-c", config, "-e", Path.Combine(prefix, "error.log")],
            ReadyFile = pid,
            TemporaryDirectory = prefix,
        };
    }

    /// <summary>
    /// One worker per server core, in the foreground so the bench owns the process; no access log; the same body as
    /// serve's page. nginx writes its pid file after it has opened its listening sockets, which makes that file the
    /// readiness signal.
    /// </summary>
    private string NginxConfig(string prefix, string pid) => $$"""
        daemon off;
        master_process on;
        user root;
        worker_processes {{Cores}};
        pid {{pid}};
        error_log {{Path.Combine(prefix, "error.log")}} warn;
        events { worker_connections 4096; }
        http {
            access_log off;
            server_tokens off;
            client_body_temp_path {{Path.Combine(prefix, "body")}};
            proxy_temp_path {{Path.Combine(prefix, "proxy")}};
            fastcgi_temp_path {{Path.Combine(prefix, "fastcgi")}};
            uwsgi_temp_path {{Path.Combine(prefix, "uwsgi")}};
            scgi_temp_path {{Path.Combine(prefix, "scgi")}};
            server {
                listen 127.0.0.1:{{Port}} reuseport backlog=4096;
                location / {
                    default_type text/plain;
                    return 200 "{{RealDesigns.Body.TrimEnd('\n')}}\n";
                }
            }
        }
        """;
}
