using System.Text.Json;

namespace Fastsocket.Tests.Interop;

/// <summary>
/// <c>fastsocket load</c> as the client of nginx on the kernel side: 20,000 short-lived connections without an error,
/// with the kernel's TCP options as they are and then with SACK, timestamps and window scaling each switched off,
/// so every handshake variant the kernel may answer with is exercised.
/// </summary>
[Collection(InteropCollection.Name)]
public sealed class NginxLoadTests
{
    private const int Requests = 20_000;

    [InteropFact("nginx", "curl")]
    public void TwentyThousandConnectionsToNginxUnderEachTcpOptionSetting()
    {
        string directory = Directory.CreateTempSubdirectory("fastsocket-nginx-").FullName;
        try
        {
            using var ns = new NetworkNamespace();
            string config = Path.Combine(directory, "nginx.conf");
            File.WriteAllText(config, $$"""
                daemon off;
                master_process off;
                worker_processes 1;
                pid {{directory}}/nginx.pid;
                error_log {{directory}}/error.log warn;
                events { worker_connections 4096; }
                http {
                    access_log off;
                    client_body_temp_path {{directory}}/body;
                    proxy_temp_path {{directory}}/proxy;
                    fastcgi_temp_path {{directory}}/fastcgi;
                    uwsgi_temp_path {{directory}}/uwsgi;
                    scgi_temp_path {{directory}}/scgi;
                    server {
                        listen 8080 backlog=4096;
                        location / { return 200 "hello from nginx\n"; }
                    }
                }
                """);
            ns.Start("nginx", "-c", config);
            WaitForNginx(ns);

            // Each run uses a fresh address of ours: the kernel keeps the previous run's connections in TIME-WAIT
            // for 60 s, and a new process's ISNs and timestamps need not be above the old ones on a reused 4-tuple.
            string[] switchedOff = ["", "tcp_sack", "tcp_timestamps", "tcp_window_scaling"];
            for (int i = 0; i < switchedOff.Length; i++)
            {
                string sysctl = switchedOff[i];
                if (sysctl.Length > 0)
                {
                    ns.Exec("sysctl", "-qw", $"net.ipv4.{sysctl}=0").EnsureSuccess();
                }
                CommandResult load = ns.RunCli(TimeSpan.FromSeconds(150), "load", "http://198.18.13.1:8080/", "--tun", ns.TunName,
                    "--address", $"198.18.13.{i + 2}/24", "--host-address", "198.18.13.1", "--connections", "32",
                    "--requests", Requests.ToString(System.Globalization.CultureInfo.InvariantCulture), "--duration", "120", "--json");
                string label = sysctl.Length > 0 ? $"{sysctl}=0" : "defaults";
                Assert.True(load.ExitCode == 0, $"load with {label}: {load}");
                using JsonDocument json = JsonDocument.Parse(load.Output);
                Assert.True(json.RootElement.GetProperty("requests").GetInt64() == Requests, $"load with {label}: {load}");
                Assert.True(json.RootElement.GetProperty("errors").GetInt64() == 0, $"load with {label}: {load}");
                if (sysctl.Length > 0)
                {
                    ns.Exec("sysctl", "-qw", $"net.ipv4.{sysctl}=1").EnsureSuccess();
                }
            }
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private static void WaitForNginx(NetworkNamespace ns)
    {
        for (int attempt = 0; attempt < 50; attempt++)
        {
            if (ns.Exec("curl", "-s", "-o", "/dev/null", "-m", "1", "http://127.0.0.1:8080/").ExitCode == 0)
            {
                return;
            }
            Thread.Sleep(100);
        }
        Assert.Fail("nginx did not start listening in the namespace");
    }
}
