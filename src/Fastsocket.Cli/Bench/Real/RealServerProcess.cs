using System.Diagnostics;
using System.Text;

namespace Fastsocket.Cli.Bench.Real;

/// <summary>
/// One running server of <c>bench --real</c>: started inside the namespace on the server CPUs, ready once its marker
/// line or ready file appears, stopped with SIGTERM (then killed, with its children, if it does not exit in time).
/// Its output is kept so that a failure can say why.
/// </summary>
internal sealed class RealServerProcess : IDisposable
{
    private static readonly TimeSpan StopLimit = TimeSpan.FromSeconds(15);

    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly RealServerLaunch _launch;
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private RealServerProcess(Process process, RealServerLaunch launch)
    {
        _process = process;
        _launch = launch;
    }

    /// <summary>The server's process id (the process ip netns exec and taskset became).</summary>
    public int Pid => _process.Id;

    /// <summary>Starts <paramref name="launch"/> and waits up to <paramref name="limit"/> for it to be ready; null with the reason when it is not.</summary>
    public static RealServerProcess? Start(RealServerLaunch launch, RealNetworkNamespace ns, string taskset, string cpus,
        TimeSpan limit, CancellationToken cancellationToken, out string? problem)
    {
        var info = new ProcessStartInfo(ns.Ip)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string argument in ns.Exec(taskset, cpus, launch.FileName, launch.Arguments))
        {
            info.ArgumentList.Add(argument);
        }
        foreach ((string name, string value) in launch.Environment)
        {
            info.Environment[name] = value;
        }

        Process process;
        try
        {
            process = Process.Start(info)!;
        }
        catch (Exception ex) when (ex is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            problem = $"could not start: {ex.Message}";
            DeleteTemporaryDirectory(launch);
            return null;
        }

        var server = new RealServerProcess(process, launch);
        process.OutputDataReceived += (_, e) => server.OnLine(e.Data, ready: launch.ReadyMarker is { } marker && e.Data?.StartsWith(marker, StringComparison.Ordinal) == true);
        process.ErrorDataReceived += (_, e) => server.OnLine(e.Data, ready: false);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < limit && !cancellationToken.IsCancellationRequested)
        {
            if (server._ready.Task.IsCompleted || (launch.ReadyFile is { } file && File.Exists(file)))
            {
                problem = null;
                return server;
            }
            if (process.HasExited)
            {
                break;
            }
            server._ready.Task.Wait(TimeSpan.FromMilliseconds(50), CancellationToken.None);
        }

        string reason = process.HasExited
            ? $"exited with code {process.ExitCode} before it was ready"
            : cancellationToken.IsCancellationRequested ? "cancelled while starting" : $"not ready within {limit.TotalSeconds:0} s";
        server.Dispose();
        problem = $"{reason}: {server.OutputTail()}";
        return null;
    }

    /// <summary>Whether the server has exited (it must not while it is loaded).</summary>
    public bool HasExited => _process.HasExited;

    /// <summary>The last lines the server printed, for error messages.</summary>
    public string OutputTail()
    {
        lock (_output)
        {
            string text = _output.ToString().Trim().ReplaceLineEndings(" | ");
            return text.Length <= 400 ? text : "..." + text[^400..];
        }
    }

    /// <summary>SIGTERM, then SIGKILL of the whole tree if it has not exited within the stop limit.</summary>
    public void Dispose()
    {
        if (!_process.HasExited)
        {
            // .NET sends only SIGKILL itself; SIGTERM lets each server stop cleanly (serve and Kestrel remove their TUN
            // device, nginx its workers). Without a kill program the SIGKILL below does it: the kernel removes a TUN
            // device whose last descriptor closes, and the namespace goes afterwards anyway.
            string? kill = RealTools.Find("kill");
            if (kill is not null)
            {
                RealCommandRunner.Run(kill, ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)], TimeSpan.FromSeconds(5));
            }
            if (!_process.WaitForExit(kill is null ? TimeSpan.Zero : StopLimit))
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(TimeSpan.FromSeconds(5));
            }
        }
        _process.Dispose();
        DeleteTemporaryDirectory(_launch);
    }

    private static void DeleteTemporaryDirectory(RealServerLaunch launch)
    {
        if (launch.TemporaryDirectory is { } folder)
        {
            try
            {
                Directory.Delete(folder, recursive: true);
            }
            catch (IOException)
            {
                // Left in the temp folder; nothing depends on it.
            }
        }
    }

    private void OnLine(string? line, bool ready)
    {
        if (line is null)
        {
            return;
        }
        lock (_output)
        {
            _output.AppendLine(line);
        }
        if (ready)
        {
            _ready.TrySetResult();
        }
    }
}
