using System.Globalization;
using Precision.Orleans.Client.Tests.Api;
using Precision.Orleans.Client.Tests.Fakes;
using Xunit;

namespace Precision.Orleans.Client.Tests.Console;

/// <summary>
/// The console over the real RL grains: a whole tiny run submitted to an HTTP silo and watched to completion, and the
/// same spec run by `precision submit` without a cluster on an embedded silo — both complete, and the embedded run
/// gives the cluster run's metrics (same seed, same deterministic sampling streams).
/// </summary>
public sealed class RealGrainsCommandTests
{
    private const int Iterations = 3;

    [Fact]
    public async Task Cluster_submit_watch_metrics_report_and_embedded_submit_agree()
    {
        using var tiny = new TinyPolicy();
        var spec = tiny.WriteSpec(Iterations);

        string clusterCsv;
        await using (var silo = await ApiSilo.StartAsync(rlGrains: tiny.Root))
        {
            string[] Cluster(params string[] args) => [.. args, "--cluster", silo.Url, "--token", ApiSilo.Token];
            var submit = await CommandRun.InvokeAsync(Cluster("submit", spec, "--id", "tiny-1", "--watch"));
            Assert.True(submit.ExitCode == 0, submit.Output + submit.Error);
            Assert.Contains($"Completed, step {Iterations}/{Iterations}", submit.Output, StringComparison.Ordinal);

            var csv = await CommandRun.InvokeAsync(Cluster("metrics", "tiny-1", "--csv"));
            var rows = csv.Output.TrimEnd('\n').Split('\n');
            Assert.Equal(Iterations + 1, rows.Length);
            var header = rows[0].Split(',');
            Assert.Equal(["1", "2", "3"], rows.Skip(1).Select(r => r.Split(',')[Array.IndexOf(header, "step")]));
            // fp16 training: the loss scaler ran (a positive scale) and k3 is a finite, non-negative mismatch.
            foreach (var row in rows.Skip(1).Select(r => r.Split(',')))
            {
                Assert.True(double.Parse(row[Array.IndexOf(header, "loss_scale")], CultureInfo.InvariantCulture) > 0);
                Assert.InRange(double.Parse(row[Array.IndexOf(header, "k3")], CultureInfo.InvariantCulture), 0, 1);
            }
            clusterCsv = csv.Output;

            // The real run grain refuses a bad spec with the validator's reason, and another spec under a taken id.
            var bad = Path.Combine(tiny.Root, "bad.yaml");
            await File.WriteAllTextAsync(bad, tiny.Spec(Iterations).Replace("model: model", "model: no-such-model", StringComparison.Ordinal));
            var refused = await CommandRun.InvokeAsync(Cluster("submit", bad, "--id", "tiny-bad"));
            Assert.Equal(2, refused.ExitCode);
            Assert.Contains("The run spec was refused:", refused.Error, StringComparison.Ordinal);
            Assert.Contains("no-such-model", refused.Error, StringComparison.Ordinal);
            var other = Path.Combine(tiny.Root, "other.yaml");
            await File.WriteAllTextAsync(other, tiny.Spec(Iterations + 1));
            var taken = await CommandRun.InvokeAsync(Cluster("submit", other, "--id", "tiny-1"));
            Assert.Equal(2, taken.ExitCode);
            Assert.Contains("409", taken.Error, StringComparison.Ordinal);
            Assert.Contains("already exists with a different spec", taken.Error, StringComparison.Ordinal);

            var report = Path.Combine(tiny.Root, "tiny-1.html");
            Assert.Equal(0, (await CommandRun.InvokeAsync(Cluster("report", "tiny-1", "--out", report))).ExitCode);
            Assert.Contains("<td>3</td>", await File.ReadAllTextAsync(report), StringComparison.Ordinal);
        }

        var embedded = await CommandRun.InvokeAsync("submit", spec, "--id", "tiny-embedded", "--runs-root", Path.Combine(tiny.Root, "embedded-runs"));
        Assert.True(embedded.ExitCode == 0, embedded.Output + embedded.Error);
        Assert.Contains("embedded silo", embedded.Output, StringComparison.Ordinal);
        Assert.Contains($"Completed, step {Iterations}/{Iterations}", embedded.Output, StringComparison.Ordinal);
        Assert.True(Directory.Exists(Path.Combine(tiny.Root, "embedded-runs", "tiny-embedded")));

        // The watch lines of the embedded run show the cluster run's accuracy and k3 per step.
        var clusterRows = clusterCsv.TrimEnd('\n').Split('\n');
        var header2 = clusterRows[0].Split(',');
        var watched = embedded.Output.Split('\n').Where(l => l.Length > 0 && char.IsDigit(l[0])).Select(l => l.Split("  ")).ToList();
        Assert.Equal(Iterations, watched.Count);
        for (var i = 0; i < Iterations; i++)
        {
            var row = clusterRows[i + 1].Split(',');
            var accuracy = double.Parse(row[Array.IndexOf(header2, "accuracy")], CultureInfo.InvariantCulture);
            Assert.Equal(accuracy.ToString("0.000", CultureInfo.InvariantCulture), watched[i][1]);
            var k3 = double.Parse(row[Array.IndexOf(header2, "k3")], CultureInfo.InvariantCulture);
            Assert.Equal(k3.ToString("0.00e+0", CultureInfo.InvariantCulture), watched[i][2]);
        }
    }
}
