using System.Globalization;
using System.Runtime.InteropServices;
using Precision.Orleans.Abstractions;
using Precision.Orleans.Client.Commands;
using Precision.Orleans.Client.Evaluation;
using Precision.Orleans.RL.Checkpoints;
using Precision.Orleans.RL.Spec;
using Precision.Orleans.RL.Training;
using Spectre.Console;

namespace Precision.Orleans.Client.Training;

/// <summary>
/// <c>precision train</c>: loads and validates the run spec, runs (or resumes) the embedded trainer with a live progress
/// bar and one line per iteration; Ctrl-C or SIGTERM stops between iterations after checkpointing what was done, a second one at once.
/// </summary>
internal static class TrainRunner
{
    public static int Run(TrainSettings s)
    {
        RunSpec spec;
        try
        {
            spec = RunSpecLoader.Load(s.SpecPath, s.Overrides);
            if (s.Iterations is { } n)
            {
                spec = spec with { Schedule = spec.Schedule with { Iterations = n } };
                RunSpecValidator.Validate(spec, s.SpecPath);
            }
        }
        catch (RunSpecException e)
        {
            return UserErrors.Refuse("train", $"run spec refused: {e.Message}");
        }
        if (s.Device is { } device) spec = spec with { Precision = spec.Precision with { Device = device } };
        // open the device before any work, so a missing GPU is one line and not a stack trace mid-run
        if (Commands.DeviceSelection.Open(spec.Precision.Device) is null) return Commands.DeviceSelection.RefusedExitCode;
        string runDir = s.OutputDirectory ?? Path.Combine("runs", spec.Name);
        if (File.Exists(runDir)) return UserErrors.Refuse("train", $"--out '{runDir}' is a file, not a run directory");
        var trainer = new RlTrainer(spec, runDir)
        {
            ResumeFrom = s.ResumeFrom,
            // What the optimizer holds, against full fine-tuning of the same model: LoRA's memory point, measured by the engine.
            Started = footprint => AnsiConsole.WriteLine(footprint.ToString()),
            Fp16RangeChecked = range => AnsiConsole.WriteLine(
                $"fp16 range of the initial weights ({range.AppliedPolicy?.ToString().ToLowerInvariant()}): {range.Summary}"),
            MetricsRepaired = repair => AnsiConsole.WriteLine($"resume: {repair}"),
        };

        using var cancel = new CancellationTokenSource();
        // Ctrl-C (SIGINT) and SIGTERM (kubectl delete, docker stop) alike: the first finishes the iteration in flight,
        // checkpoints it and exits normally; a second exits at once — checkpoints are staged and renamed into place,
        // so the last complete one stays intact.
        int signals = 0;
        void OnSignal(PosixSignalContext context)
        {
            context.Cancel = true;
            if (Interlocked.Increment(ref signals) > 1)
            {
                Console.Error.WriteLine($"precision train: second {context.Signal}: stopping now; the last complete checkpoint is kept");
                Environment.Exit(130);
            }
            cancel.Cancel();
            AnsiConsole.MarkupLine($"[yellow]{context.Signal}: stopping after this iteration (checkpointing)… (again to stop at once)[/]");
        }
        using var onInterrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
        using var onTerminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
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
            return UserErrors.Refuse("train", $"cannot resume: {e.Message}");
        }
        catch (Exception e) when (e is InvalidOperationException || UserErrors.IsBadInput(e))
        {
            return UserErrors.Refuse("train", e.Message);
        }
    }

    /// <summary>One iteration as a console line: accuracy, reward, length, loss, grad norm, loss scale, k3, seconds.</summary>
    public static string Line(IterationMetrics m) => string.Create(CultureInfo.InvariantCulture,
        $"step {m.Step,4}  acc {m.Accuracy,6:P1}  reward {m.RewardMean:F3}  len {m.ResponseLengthMean,6:F1}  loss {ConsoleNumbers.Format(m.Loss),10}  " +
        $"|g| {ConsoleNumbers.Format(m.GradNormMean),9}  scale {m.LossScale:G6}{(m.SkippedSteps > 0 ? $" (skipped {m.SkippedSteps})" : "")}  k3 {ConsoleNumbers.Format(m.K3)}  {m.IterationSeconds:F2} s");

    /// <summary>Reports on the trainer's thread (Progress&lt;T&gt; would post to the thread pool and reorder lines).</summary>
    private sealed class SynchronousProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
