using System.Text.Json;
using System.Text.RegularExpressions;
using Xunit;
using Precision.Orleans.Client.Commands;
using Precision.Orleans.Client.Experiments;
using Precision.Orleans.RL.Experiments;
using Precision.Orleans.RL.Tests.Training;

namespace Precision.Orleans.RL.Tests.Experiments;

// Spectre.Console live displays are process-wide and exclusive: console-running tests share one collection.
[Collection(ConsoleTests.Collection)]
public sealed class ExperimentCommandTests
{
    private static string GridYaml(TinyRun tiny) => $"""
        # the tiny run's spec as the grid's base, inline
        base:
        {Indent(tiny.Yaml(iterations: 1))}
        algorithms: [pg-seq-is, grpo-token-tis]
        precisions: ["fp32/fp32"]
        """;

    private static string Indent(string yaml) => string.Join("\n", yaml.Split('\n').Select(l => "  " + l));

    [Fact]
    public void TwoCellGridRunsEndToEndThenSkipsFinishedRunsAndRebuildsTheReport()
    {
        using var tiny = new TinyRun();
        string grid = tiny.WriteSpec(GridYaml(tiny), "grid.yaml");
        string output = Path.Combine(tiny.Root, "experiment");
        var settings = new ExperimentSettings { GridPath = grid, OutputDirectory = output };

        Assert.Equal(0, ExperimentCommandRunner.Run(settings, RunSpecFiles.Source));

        string html = File.ReadAllText(Path.Combine(output, ExperimentReport.HtmlFileName));
        Assert.Equal(2 * ExperimentCharts.Panels.Count, Regex.Matches(html, "<polyline").Count);
        using (var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, ExperimentReport.JsonFileName))))
        {
            var runs = json.RootElement.GetProperty("runs").EnumerateArray().ToList();
            Assert.Equal(["pg-seq-is-fp32-fp32", "grpo-token-tis-fp32-fp32"], runs.Select(r => r.GetProperty("name").GetString()));
            Assert.All(runs, r => Assert.Equal("finished", r.GetProperty("state").GetString()));
            var ratio = Assert.Single(json.RootElement.GetProperty("timing_ratios").EnumerateArray()).GetProperty("ratio").GetDouble();
            Assert.True(ratio > 0 && double.IsFinite(ratio));
        }
        foreach (string name in new[] { "pg-seq-is-fp32-fp32", "grpo-token-tis-fp32-fp32" })
            Assert.Single(File.ReadAllLines(Path.Combine(output, name, MetricsFile.FileName)), l => l.Length > 0);

        // Again: both runs are finished, so the trainer is never called.
        int calls = 0;
        Assert.Equal(0, ExperimentCommandRunner.Run(settings, RunSpecFiles.Source, (_, _, _, _) => { calls++; throw new InvalidOperationException("must not run"); }));
        Assert.Equal(0, calls);

        File.Delete(Path.Combine(output, ExperimentReport.HtmlFileName));
        Assert.Equal(0, ExperimentCommandRunner.Run(settings with { ReportOnly = true }, RunSpecFiles.Source, (_, _, _, _) => throw new InvalidOperationException("must not run")));
        Assert.True(File.Exists(Path.Combine(output, ExperimentReport.HtmlFileName)));
    }

    [Fact]
    public void BadGridsAndOptionsAreUsageErrors()
    {
        using var tiny = new TinyRun();
        string output = Path.Combine(tiny.Root, "out");
        int Run(string gridText, IReadOnlyList<string>? only = null, bool reportOnly = false) => ExperimentCommandRunner.Run(
            new ExperimentSettings { GridPath = tiny.WriteSpec(gridText, "g.yaml"), OutputDirectory = output, Only = only ?? [], ReportOnly = reportOnly },
            RunSpecFiles.Source, (_, _, _, _) => throw new InvalidOperationException("must not run"));

        Assert.Equal(ExperimentCommandRunner.UsageError, Run(GridYaml(tiny), only: ["gspo-fp32-fp32"]));
        Assert.Equal(ExperimentCommandRunner.UsageError, Run(GridYaml(tiny), reportOnly: true));
        Assert.Equal(ExperimentCommandRunner.UsageError, Run(GridYaml(tiny).Replace("fp32/fp32", "fp32-fp32")));
        Assert.Equal(ExperimentCommandRunner.UsageError, Run(GridYaml(tiny).Replace("model: model", "model: no-such-model")));
        Assert.False(Directory.Exists(output));

        var missing = Assert.Throws<FileNotFoundException>(() =>
            ExperimentCommandRunner.Plan(new ExperimentSettings { GridPath = Path.Combine(tiny.Root, "nope.yaml"), OutputDirectory = output }, RunSpecFiles.Source));
        Assert.Contains("nope.yaml' does not exist", missing.Message);
        var badModel = Assert.ThrowsAny<Exception>(() => ExperimentCommandRunner.Plan(
            new ExperimentSettings { GridPath = tiny.WriteSpec(GridYaml(tiny).Replace("model: model", "model: no-such-model"), "g2.yaml"), OutputDirectory = output },
            RunSpecFiles.Source));
        Assert.Contains("model", badModel.Message);
        Assert.Contains("no-such-model", badModel.Message);
    }

    [Fact]
    public void CommandLineNeedsAGridAndAnOutputDirectory()
    {
        var command = ExperimentCommand.Create();
        Assert.NotEmpty(command.Parse(["grid.yaml"]).Errors);          // no --out
        Assert.NotEmpty(command.Parse(["--out", "d"]).Errors);         // no grid
        var ok = command.Parse(["grid.yaml", "--out", "d", "--only", "a", "b", "--report-only"]);
        Assert.Empty(ok.Errors);
        Assert.Contains(CommandCatalog.All(), c => c.Name == "experiment");
    }
}
