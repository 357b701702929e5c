using System.Globalization;
using Precision.Orleans.Abstractions;
using Precision.Orleans.RL.Checkpoints;
using Precision.Orleans.RL.Spec;
using Precision.Orleans.RL.Training;
using Spectre.Console;

namespace Precision.Orleans.Client.Training;

/// <summary>
/// <c>precision train</c>: loads and validates the run spec, runs (or resumes) the embedded trainer with a live progress
/// bar and one line per iteration; Ctrl-C stops between iterations after checkpointing what was done.
/// </summary>
internal static class TrainRunner
{
    public const int BadInputExitCode = 2;

    public static int Run(TrainSettings s)
    {
        RunSpec spec;
        try
        {
            spec = RunSpecLoader.Load(s.SpecPath);
            if (s.Iterations is { } n)
            {
                spec = spec with { Schedule = spec.Schedule with { Iterations = n } };
                RunSpecValidator.Validate(spec, s.SpecPath);
            }
        }
        catch (RunSpecException e)
        {
            AnsiConsole.MarkupLineInterpolated($"[red]run spec refused:[/] {e.Message}");
            return BadInputExitCode;
        }
        if (s.Device is { } device) spec = spec with { Precision = spec.Precision with { Device = device } };
        // open the device before any work, so a missing GPU is one line and not a stack trace mid-run
        if (Commands.DeviceSelection.Open(spec.Precision.Device) is null) return Commands.DeviceSelection.RefusedExitCode;
        string runDir = s.OutputDirectory ?? Path.Combine("runs", spec.Name);
        var trainer = new RlTrainer(spec, runDir)
        {
            ResumeFrom = s.ResumeFrom,
            // What the optimizer holds, against full fine-tuning of the same model: LoRA's memory point, measured by the engine.
            Started = footprint => AnsiConsole.WriteLine(footprint.ToString()),
            Fp16RangeChecked = range => AnsiConsole.WriteLine(
                $"fp16 range of the initial weights ({range.AppliedPolicy?.ToString().ToLowerInvariant()}): {range.Summary}"),
        };

        using var cancel = new CancellationTokenSource();
        ConsoleCancelEventHandler onCancel = (_, e) =>
        {
            e.Cancel = true;
            cancel.Cancel();
            AnsiConsole.MarkupLine("[yellow]stopping after this iteration (checkpointing)…[/]");
        };
        Console.CancelKeyPress += onCancel;
        AnsiConsole.MarkupLineInterpolated(
            $"[bold]train[/] {spec.Name}: {spec.Algorithm.Name}{(spec.Lora is { } lora ? $", LoRA r={lora.Rank} alpha={lora.Alpha} ({lora.Rollout})" : "")}, train {spec.Precision.Train.Name()} / rollout {spec.Precision.Rollout.Name()}, {spec.Batch.Prompts}×{spec.Batch.GroupSize} rollouts in {spec.Batch.MiniBatches} mini-batches, {spec.Schedule.Iterations} iterations → {runDir}");
        try
        {
            RunSummary summary = null!;
            AnsiConsole.Progress()
                .AutoClear(false)
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn())
                .Start(ctx =>
                {
                    var task = ctx.AddTask("iterations", maxValue: spec.Schedule.Iterations);
                    var progress = new SynchronousProgress<IterationMetrics>(m =>
                    {
                        task.Value = m.Step;
                        string line = Line(m);
                        task.Description = $"step {m.Step}/{spec.Schedule.Iterations} acc {m.Accuracy:P1}";
                        AnsiConsole.WriteLine(line);
                    });
                    summary = trainer.Run(progress, cancel.Token);
                    task.Value = summary.Iterations;
                });
            string target = summary.FirstStepAtTarget is { } t ? $"; ≥95% first at step {t}" : "";
            string resumed = summary.ResumedFromStep is { } r ? $" (resumed from step {r})" : "";
            AnsiConsole.MarkupLine((cancel.IsCancellationRequested ? "[yellow]stopped[/]" : "[green]done[/]") + Markup.Escape(
                $": {summary.Iterations} iterations{resumed}, best accuracy {summary.BestAccuracy.ToString("P1", CultureInfo.InvariantCulture)}{target}; metrics in {summary.MetricsPath}"));
            return 0;
        }
        catch (CheckpointCorruptException e)
        {
            AnsiConsole.MarkupLineInterpolated($"[red]cannot resume:[/] {e.Message}");
            return BadInputExitCode;
        }
        catch (Exception e) when (e is InvalidOperationException or FileNotFoundException or InvalidDataException)
        {
            AnsiConsole.MarkupLineInterpolated($"[red]train failed:[/] {e.Message}");
            return BadInputExitCode;
        }
        finally
        {
            Console.CancelKeyPress -= onCancel;
        }
    }

    /// <summary>One iteration as a console line: accuracy, reward, length, loss, grad norm, loss scale, k3, seconds.</summary>
    public static string Line(IterationMetrics m) => string.Create(CultureInfo.InvariantCulture,
        $"step {m.Step,4}  acc {m.Accuracy,6:P1}  reward {m.RewardMean:F3}  len {m.ResponseLengthMean,6:F1}  loss {m.Loss,10:G4}  " +
        $"|g| {m.GradNormMean,9:G4}  scale {m.LossScale:G6}{(m.SkippedSteps > 0 ? $" (skipped {m.SkippedSteps})" : "")}  k3 {m.K3:E2}  {m.IterationSeconds:F2} s");

    /// <summary>Reports on the trainer's thread (Progress&lt;T&gt; would post to the thread pool and reorder lines).</summary>
    private sealed class SynchronousProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
