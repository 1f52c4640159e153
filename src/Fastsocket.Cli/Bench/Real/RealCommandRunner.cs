using System.Diagnostics;
using System.Text;

namespace Fastsocket.Cli.Bench.Real;

/// <summary>Runs a short helper command (ip, kill) to completion within a time limit and returns its exit code and output.</summary>
internal static class RealCommandRunner
{
    /// <summary>The exit code and combined output of <paramref name="fileName"/>; exit code -1 when it could not start or ran past <paramref name="limit"/> (then it is killed).</summary>
    public static (int ExitCode, string Output) Run(string fileName, IEnumerable<string> arguments, TimeSpan limit)
    {
        var info = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        Process process;
        try
        {
            process = Process.Start(info)!;
        }
        catch (Exception ex) when (ex is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            return (-1, $"{fileName}: {ex.Message}");
        }

        using (process)
        {
            var output = new StringBuilder();
            process.OutputDataReceived += (_, e) => { if (e.Data is not null) { lock (output) { output.AppendLine(e.Data); } } };
            process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { lock (output) { output.AppendLine(e.Data); } } };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            if (!process.WaitForExit(limit))
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit(TimeSpan.FromSeconds(5));
                lock (output)
                {
                    return (-1, $"{fileName} ran past {limit.TotalSeconds:0} s and was killed\n{output}");
                }
            }
            process.WaitForExit();
            lock (output)
            {
                return (process.ExitCode, output.ToString());
            }
        }
    }
}
