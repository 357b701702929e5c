using Precision.Orleans.Abstractions.Grains.Rl;
using Precision.Orleans.Client.Cluster;
using Precision.Orleans.Client.Tests.Api;
using Precision.Orleans.Client.Tests.Fakes;
using Xunit;

namespace Precision.Orleans.Client.Tests.Console;

/// <summary>The cluster commands run in-process against an in-process silo serving the HTTP API.</summary>
public sealed class ClusterCommandTests
{
    private static string[] Args(ApiSilo silo, params string[] args) => [.. args, "--cluster", silo.Url, "--token", ApiSilo.Token];

    [Fact]
    public async Task Submit_list_status_metrics_report_cancel()
    {
        await using var silo = await ApiSilo.StartAsync();
        var spec = Path.Combine(silo.SpecDirectory, "run.yaml");
        await File.WriteAllTextAsync(spec, silo.ValidSpec(iterations: 4));

        var empty = await CommandRun.InvokeAsync(Args(silo, "list"));
        Assert.Equal((0, "No runs."), (empty.ExitCode, empty.Output.Trim()));

        var submit = await CommandRun.InvokeAsync(Args(silo, "submit", spec, "--id", "cli-1"));
        Assert.Equal(0, submit.ExitCode);
        Assert.Contains("Submitted run cli-1", submit.Output, StringComparison.Ordinal);
        Assert.Equal("cli-1", submit.Output.Trim().Split('\n')[^1].Trim());
        Assert.Equal(RunState.Submitted, silo.Book.Runs["cli-1"].State);

        silo.Book.Train("cli-1", RunBook.Row(1, 0.25));
        silo.Book.Train("cli-1", RunBook.Row(2, 0.75));

        var list = await CommandRun.InvokeAsync(Args(silo, "list"));
        Assert.Contains("cli-1", list.Output, StringComparison.Ordinal);
        Assert.Contains("2/4", list.Output, StringComparison.Ordinal);
        Assert.Contains("0.750", list.Output, StringComparison.Ordinal);

        var status = await CommandRun.InvokeAsync(Args(silo, "status", "cli-1"));
        Assert.Equal(0, status.ExitCode);
        Assert.Contains("cli-1 (api-test): Running, step 2/4, accuracy 0.750", status.Output, StringComparison.Ordinal);
        Assert.Contains("5.00e-7", status.Output, StringComparison.Ordinal);

        var csv = await CommandRun.InvokeAsync(Args(silo, "metrics", "cli-1", "--csv"));
        var lines = csv.Output.TrimEnd('\n').Split('\n');
        Assert.Equal(3, lines.Length);
        Assert.StartsWith("step,weight_version,weight_hash,accuracy,", lines[0], StringComparison.Ordinal);
        Assert.StartsWith("2,2,", lines[2], StringComparison.Ordinal);

        var report = Path.Combine(silo.SpecDirectory, "out", "cli-1.html");
        Directory.CreateDirectory(Path.GetDirectoryName(report)!);
        var reported = await CommandRun.InvokeAsync(Args(silo, "report", "cli-1", "--out", report));
        Assert.Equal(0, reported.ExitCode);
        Assert.Contains("<svg", await File.ReadAllTextAsync(report), StringComparison.Ordinal);

        var cancel = await CommandRun.InvokeAsync(Args(silo, "cancel", "cli-1"));
        Assert.Equal(0, cancel.ExitCode);
        Assert.Contains("Cancelled", cancel.Output, StringComparison.Ordinal);
        Assert.Equal(RunState.Cancelled, silo.Book.Runs["cli-1"].State);
    }

    [Fact]
    public async Task Watch_prints_each_step_and_ends_with_the_run()
    {
        await using var silo = await ApiSilo.StartAsync();
        var spec = Path.Combine(silo.SpecDirectory, "run.yaml");
        await File.WriteAllTextAsync(spec, silo.ValidSpec(iterations: 3));
        Assert.Equal(0, (await CommandRun.InvokeAsync(Args(silo, "submit", spec, "--id", "w"))).ExitCode);

        var learner = Task.Run(async () =>
        {
            for (var step = 1; step <= 3; step++)
            {
                await Task.Delay(150);
                silo.Book.Train("w", RunBook.Row(step, step / 4.0));
            }
        });
        var watch = await CommandRun.InvokeAsync(Args(silo, "watch", "w", "--interval", "0.05"));
        await learner;

        Assert.Equal(0, watch.ExitCode);
        var stepLines = watch.Output.Split('\n').Where(l => l.Length > 0 && char.IsDigit(l[0])).ToList();
        Assert.Equal(["1", "2", "3"], stepLines.Select(l => l.Split("  ")[0]));
        Assert.Contains("0.750", stepLines[2], StringComparison.Ordinal);
        Assert.Contains("65536", stepLines[2], StringComparison.Ordinal);
        Assert.Contains("1003", stepLines[2], StringComparison.Ordinal);
        Assert.Contains("Completed, step 3/3", watch.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Errors_say_what_is_wrong()
    {
        await using var silo = await ApiSilo.StartAsync();
        var spec = Path.Combine(silo.SpecDirectory, "bad.yaml");
        await File.WriteAllTextAsync(spec, silo.ValidSpec().Replace("train: fp16", "train: fp8", StringComparison.Ordinal));

        var badSpec = await CommandRun.InvokeAsync(Args(silo, "submit", spec));
        Assert.Equal(ClusterException.ExitCode, badSpec.ExitCode);
        Assert.Contains("The run spec was refused:", badSpec.Error, StringComparison.Ordinal);
        Assert.Contains("precision.train", badSpec.Error, StringComparison.Ordinal);

        var wrongToken = await CommandRun.InvokeAsync("list", "--cluster", silo.Url, "--token", "not-the-token-at-all");
        Assert.Equal(ClusterException.ExitCode, wrongToken.ExitCode);
        Assert.Contains("the cluster refused the token", wrongToken.Error, StringComparison.OrdinalIgnoreCase);

        var unknown = await CommandRun.InvokeAsync(Args(silo, "status", "nope"));
        Assert.Contains("No run 'nope'", unknown.Error, StringComparison.Ordinal);

        // A port nobody listens on: take a free one and release it.
        var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        var unreachable = await CommandRun.InvokeAsync("list", "--cluster", $"http://127.0.0.1:{port}", "--token", ApiSilo.Token);
        Assert.Equal(ClusterException.ExitCode, unreachable.ExitCode);
        Assert.Contains($"Cannot reach the silo at http://127.0.0.1:{port}/", unreachable.Error, StringComparison.Ordinal);

        var missingFile = await CommandRun.InvokeAsync(Args(silo, "submit", Path.Combine(silo.SpecDirectory, "absent.yaml")));
        Assert.Contains("Run spec file not found", missingFile.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Target_comes_from_options_then_environment_and_needs_a_token()
    {
        var env = new Dictionary<string, string?> { [ClusterTarget.AddressVariable] = "http://silo:11111", [ClusterTarget.TokenVariable] = "env-token" };
        Assert.Equal(new ClusterTarget(new Uri("http://silo:11111"), "env-token"), ClusterTarget.Resolve(null, null, env.GetValueOrDefault));
        Assert.Equal(new ClusterTarget(new Uri("http://other:1"), "opt"), ClusterTarget.Resolve("http://other:1", "opt", env.GetValueOrDefault));
        Assert.Null(ClusterTarget.Resolve(null, "t", _ => null));
        Assert.Contains("No cluster token", Assert.Throws<ClusterException>(() => ClusterTarget.Resolve("http://a:1", null, _ => null)).Message, StringComparison.Ordinal);
        Assert.Contains("No cluster address", Assert.Throws<ClusterException>(() => ClusterTarget.Require(null, "t", _ => null)).Message, StringComparison.Ordinal);
        Assert.Contains("not an http:// or https:// URL", Assert.Throws<ClusterException>(() => ClusterTarget.Resolve("silo:11111x", "t", _ => null)).Message, StringComparison.Ordinal);
    }
}
