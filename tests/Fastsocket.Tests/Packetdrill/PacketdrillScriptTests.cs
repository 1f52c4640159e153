using System.Diagnostics;

namespace Fastsocket.Tests.Packetdrill;

/// <summary>
/// Every packetdrill script that tests/packetdrill/results.tsv records as passing runs again here against a freshly
/// published libfastsocket.so (IPv4 variant, the stack on packetdrill's virtual clock), so none regresses. A script
/// that starts passing joins by running tests/packetdrill/run.sh and committing its results.
/// </summary>
[Collection(PacketdrillCollection.Name)]
public sealed class PacketdrillScriptTests(PacketdrillFixture fixture)
{
    public static TheoryData<string> PassingScripts()
    {
        var data = new TheoryData<string>();
        foreach (string script in PacketdrillEnvironment.PassingScripts())
        {
            data.Add(script);
        }
        return data;
    }

    [PacketdrillTheory]
    [MemberData(nameof(PassingScripts))]
    public void Script_passes(string script)
    {
        var start = new ProcessStartInfo("bash", [PacketdrillEnvironment.Runner, "--only", script, "--results", "-"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = PacketdrillEnvironment.RepositoryRoot,
        };
        start.Environment["FASTSOCKET_LIB"] = fixture.Library;
        using Process process = Process.Start(start)!;
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        string stdout = process.StandardOutput.ReadToEnd();
        Assert.True(process.WaitForExit(TimeSpan.FromMinutes(2)), $"{script}: the runner did not finish");
        string summary = stdout.Trim().Split('\n')[^1];
        Assert.True(process.ExitCode == 0 && summary == "1 passed, 0 failed",
            $"{script}: {summary}\n{stderr.Result}");
    }
}
