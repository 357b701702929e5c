using Precision.Orleans.Tests.Shared;
using System.Diagnostics;
using Precision.Orleans.Client.Commands;
using Precision.Orleans.RL.Training;
using Xunit;

namespace Precision.Orleans.RL.Tests.Training;

public sealed class TrainCommandProcessTests
{
    [Fact]
    public async Task Killed_precision_train_restarts_from_its_last_checkpoint_and_continues_the_curve()
    {
        using var run = new TinyRun();
        string spec = run.WriteSpec(run.Yaml(iterations: 1000, checkpointEvery: 1, keep: 2));
        string outDir = run.RunDir();
        string firstCheckpoint = Path.Combine(outDir, "checkpoints", "step-000001");

        using (var first = Start(spec, outDir, "--iterations", "1000"))
        {
            // drain the pipes so the child never blocks on a full one
            first.OutputDataReceived += (_, _) => { };
            first.ErrorDataReceived += (_, _) => { };
            first.BeginOutputReadLine();
            first.BeginErrorReadLine();
            var clock = Stopwatch.StartNew();
            while (!Directory.Exists(firstCheckpoint) && !first.HasExited && clock.Elapsed < TimeSpan.FromSeconds(60)) Thread.Sleep(10);
            bool appeared = Directory.Exists(firstCheckpoint);
            first.Kill(entireProcessTree: true);
            first.WaitForExit();
            Assert.True(appeared, $"no checkpoint appeared within {clock.Elapsed}; exit {first.ExitCode}");
        }
        var beforeRestart = new MetricsLog(outDir).ReadAll();
        int checkpointed = Directory.GetDirectories(Path.Combine(outDir, "checkpoints"), "step-*").Max(d => int.Parse(Path.GetFileName(d)[5..11]));
        Assert.InRange(checkpointed, 1, 999);

        int target = checkpointed + 2;
        using var second = Start(spec, outDir, "--iterations", target.ToString());
        var errors = second.StandardError.ReadToEndAsync();
        string output = await second.StandardOutput.ReadToEndAsync();
        await second.WaitForExitAsync();
        Assert.True(second.ExitCode == 0, output + await errors);
        Assert.Contains($"resumed from step {checkpointed}", output);

        var rows = new MetricsLog(outDir).ReadAll();
        Assert.Equal(Enumerable.Range(1, target), rows.Select(r => r.Step));
        // the rows up to the checkpoint are the killed process's own, untouched
        for (int i = 0; i < checkpointed; i++) Assert.Equal(beforeRestart[i], rows[i], MetricsComparer.Instance);
        Assert.Equal(Enumerable.Range(1, target).Select(s => (long)s), rows.Select(r => r.WeightVersion));
    }

    [Fact]
    public void A_bad_spec_exits_with_code_2_and_names_the_key()
    {
        using var run = new TinyRun();
        string spec = run.WriteSpec(run.Yaml().Replace("name: pg-seq-is", "name: ppo"));
        using var p = Start(spec, run.RunDir());
        p.StandardOutput.ReadToEnd();
        string output = p.StandardError.ReadToEnd();
        p.WaitForExit();
        Assert.Equal(2, p.ExitCode);
        Assert.Contains("algorithm.name", output);
        Assert.Contains("pg-seq-is", output);
    }

    private static Process Start(string spec, string outDir, params string[] extra)
    {
        string dll = Path.Combine(Path.GetDirectoryName(typeof(TrainCommand).Assembly.Location)!, "precision.dll");
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string a in new[] { dll, "train", spec, "--out", outDir }.Concat(extra)) info.ArgumentList.Add(a);
        info.Environment["COLUMNS"] = "200";
        return Process.Start(info)!;
    }
}
