using System.Globalization;
using Precision.Orleans.RL.Experiments;
using Precision.Orleans.RL.Spec;
using Spectre.Console;

namespace Precision.Orleans.Client.Experiments;

/// <summary>
/// <c>precision experiment</c>: loads and expands the grid, runs the selected cells (skipping finished runs,
/// resuming unfinished ones) with a progress bar per run, then writes the report over every cell of the grid.
/// </summary>
internal static class ExperimentCommandRunner
{
    /// <summary>Exit code when the grid, the options or the output directory are wrong (the message says what).</summary>
    public const int UsageError = 2;

    /// <summary>Exit code when at least one run failed (the report still covers every run).</summary>
    public const int RunFailed = 1;

    public static int Run(ExperimentSettings settings, IRunSpecSource specs, ExperimentRunner.CellRun? cellRun = null)
    {
        IReadOnlyList<ExperimentCell> all, selected;
        try
        {
            (all, selected) = Plan(settings, specs);
        }
        catch (Exception e) when (e is RunSpecException or FormatException or ArgumentException or FileNotFoundException or DirectoryNotFoundException)
        {
            return Evaluation.UserErrors.Refuse("experiment", e.Message);
        }

        var runner = new ExperimentRunner(settings.OutputDirectory, cellRun);
        int failed = 0;
        if (!settings.ReportOnly)
        {
            AnsiConsole.MarkupLine(CultureInfo.InvariantCulture,
                $"[bold]experiment[/] {Markup.Escape(settings.GridPath)}: {selected.Count} of {all.Count} runs into [green]{Markup.Escape(settings.OutputDirectory)}[/]");
            using var cancel = new CancellationTokenSource();
            ConsoleCancelEventHandler onCancel = (_, e) =>
            {
                // Stop at the trainer's next iteration boundary and still write the report; a second Ctrl+C kills.
                if (cancel.IsCancellationRequested) return;
                e.Cancel = true;
                cancel.Cancel();
            };
            Console.CancelKeyPress += onCancel;
            var load = new LoadAverageRecord.Sampler(settings.OutputDirectory);
            try
            {
                AnsiConsole.Progress()
                    .AutoClear(false)
                    .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
                    .Start(ctx => failed = runner.Run(selected, new ConsoleExperimentObserver(ctx), cancel.Token).Count(o => o.Error is not null));
            }
            catch (OperationCanceledException)
            {
                AnsiConsole.MarkupLine("[yellow]interrupted[/]: unfinished runs resume from their last checkpoint next time; writing the report of what exists");
            }
            finally
            {
                Console.CancelKeyPress -= onCancel;
                load.Dispose();
            }
        }

        var assessed = runner.Assess(all);
        var report = ExperimentReport.Write(settings.OutputDirectory, assessed, settings.GridPath);
        PrintSummary(report);
        foreach (var run in assessed)
            if (Precision.Orleans.RL.Training.OptimizerFootprint.Read(run.Directory) is { LoraRank: not null } footprint)
                AnsiConsole.WriteLine($"{run.Cell.Name}: {footprint}");
        return failed > 0 ? RunFailed : 0;
    }

    /// <summary>The whole grid and the cells to run; throws with a message naming the problem.</summary>
    internal static (IReadOnlyList<ExperimentCell> All, IReadOnlyList<ExperimentCell> Selected) Plan(ExperimentSettings settings, IRunSpecSource specs)
    {
        if (string.IsNullOrWhiteSpace(settings.OutputDirectory)) throw new ArgumentException("--out must name a directory");
        if (settings.ReportOnly && !Directory.Exists(settings.OutputDirectory))
            throw new DirectoryNotFoundException($"--report-only: '{settings.OutputDirectory}' does not exist; run the grid into it first");
        var grid = ExperimentGridLoader.Load(settings.GridPath, specs);
        var all = grid.Expand(specs.Validate);
        return (all, ExperimentGrid.Select(all, settings.Only));
    }

    private static void PrintSummary(ExperimentReportFiles report)
    {
        if (report.Load is { Shared: true } load) AnsiConsole.MarkupLineInterpolated($"[yellow]timing caveat:[/] {load.Warning}");
        foreach (var t in report.Timing)
            AnsiConsole.MarkupLine(CultureInfo.InvariantCulture,
                $"{TimingComparison.NumeratorAlgorithm} ÷ {TimingComparison.DenominatorAlgorithm} s/iteration at {t.Precision}: [bold]{t.Ratio:0.000}[/] ({t.NumeratorSeconds:0.00} s / {t.DenominatorSeconds:0.00} s)");
        AnsiConsole.MarkupLineInterpolated($"report: [green]{report.Html}[/] ({report.Runs} runs), figures in {Path.GetDirectoryName(report.Svgs.FirstOrDefault() ?? report.Html)}, data {report.Json}");
    }
}
