using System.Diagnostics;
using System.Text;

namespace Fastsocket.Tests.Interop;

/// <summary>A process a test started inside its namespace (a server), with its output collected as it runs.</summary>
public sealed class BackgroundProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly StringBuilder _error = new();
    private readonly Lock _lock = new();

    internal BackgroundProcess(ProcessStartInfo start)
    {
        _process = new Process { StartInfo = start, EnableRaisingEvents = true };
        _process.OutputDataReceived += (_, e) => Append(_output, e.Data);
        _process.ErrorDataReceived += (_, e) => Append(_error, e.Data);
        _process.Start();
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    public string Output
    {
        get
        {
            lock (_lock)
            {
                return _output.ToString();
            }
        }
    }

    public string Error
    {
        get
        {
            lock (_lock)
            {
                return _error.ToString();
            }
        }
    }

    /// <summary>Waits until stdout has a line containing <paramref name="marker"/>; false if the process exits or time runs out.</summary>
    public async Task<bool> WaitForOutputAsync(string marker, TimeSpan limit)
    {
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < limit)
        {
            if (Output.Contains(marker, StringComparison.Ordinal))
            {
                return true;
            }
            if (_process.HasExited)
            {
                // The process may exit before its last lines have been read from the pipe (the flooder's closing
                // "sent" line was sometimes missed that way): let the reads reach the end of the output, then look
                // once more. WaitForExitAsync also waits for the redirected streams.
                using var drained = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                try
                {
                    await _process.WaitForExitAsync(drained.Token);
                }
                catch (OperationCanceledException)
                {
                }
                return Output.Contains(marker, StringComparison.Ordinal);
            }
            await Task.Delay(50);
        }
        return false;
    }

    /// <summary>Sends SIGTERM (the way a service manager stops a server) and waits for the exit code.</summary>
    public async Task<CommandResult> StopAsync(TimeSpan limit)
    {
        if (!_process.HasExited)
        {
            using (Process kill = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
            {
                await kill.WaitForExitAsync();
            }
        }
        using var timeout = new CancellationTokenSource(limit);
        try
        {
            await _process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
            return new CommandResult(-1, Output, Error + "\n(did not stop after SIGTERM; killed)");
        }
        return new CommandResult(_process.ExitCode, Output, Error);
    }

    private void Append(StringBuilder target, string? line)
    {
        if (line is null)
        {
            return;
        }
        lock (_lock)
        {
            target.AppendLine(line);
        }
    }

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(5000);
            }
        }
        catch (InvalidOperationException)
        {
        }
        _process.Dispose();
    }
}
