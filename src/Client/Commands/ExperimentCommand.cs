using System.CommandLine;
using Precision.Orleans.Client.Experiments;
using Precision.Orleans.RL.Experiments;

namespace Precision.Orleans.Client.Commands;

/// <summary><c>precision experiment GRID.yaml --out DIR</c>: the paper's algorithm × precision grid and its report.</summary>
internal static class ExperimentCommand
{
    public static Command Create()
    {
        var grid = new Argument<string>("grid") { Description = "experiment grid YAML (base run spec, algorithms, train/rollout precisions, optional seeds)" };
        var output = CommonOptions.Directory("--out", "experiment directory: one run directory per cell, and experiment.html / experiment.json", required: true);
        var only = new Option<string[]>("--only") { Description = "run only these cells, by name (e.g. pg-seq-is-fp16-fp16); the report still covers the whole grid", AllowMultipleArgumentsPerToken = true };
        var reportOnly = new Option<bool>("--report-only") { Description = "run nothing; rebuild the report from the run directories in --out" };

        var command = new Command("experiment", "Run an algorithm × precision grid of RL runs (finished runs skipped, unfinished resumed) and write the Figure 3 / Figure 5 style report.");
        command.Arguments.Add(grid);
        foreach (Option o in new Option[] { output, only, reportOnly })
            command.Options.Add(o);
        command.SetAction(parse => ExperimentCommandRunner.Run(new ExperimentSettings
        {
            GridPath = parse.GetValue(grid)!,
            OutputDirectory = parse.GetValue(output)!,
            Only = parse.GetValue(only) ?? [],
            ReportOnly = parse.GetValue(reportOnly),
        }, RunSpecFiles.Source));
        return command;
    }
}
