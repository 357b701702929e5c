using Precision.Orleans.Engine.Checkpoints;
using Precision.Orleans.Engine.Model;
using Precision.Orleans.Engine.Rollout;
using Precision.Orleans.Engine.Text;
using Precision.Orleans.Engine.Training;
using Precision.Orleans.RL.Algorithms;
using Precision.Orleans.RL.Checkpoints;
using Precision.Orleans.RL.Spec;
using Precision.Orleans.RL.Tasks;

namespace Precision.Orleans.RL.Training;

/// <summary>
/// The embedded (single-process) trainer: rollout engine samples with μ → rewards → group-relative
/// advantages → training engine steps in its dtype with loss scaling → weight sync, once per policy iteration.
/// Writes <c>metrics.jsonl</c>, <c>metrics.csv</c>, <c>spec.yaml</c> and <c>checkpoints/</c> under the run directory
/// and resumes from the newest checkpoint found there (or <see cref="ResumeFrom"/>).
/// </summary>
public sealed class RlTrainer
{
    public const string SpecFileName = "spec.yaml";

    /// <summary>Accuracy that counts as "solved" in <see cref="RunSummary.FirstStepAtTarget"/> (the paper's 95%).</summary>
    public const double TargetAccuracy = 0.95;

    /// <summary>The difficulty a generated task gets when the spec leaves <c>data.difficulty</c> at 0 (arithmetic: operands of 1–3 digits).</summary>
    public const int DefaultTaskDifficulty = LearnerStart.DefaultTaskDifficulty;

    public RlTrainer(RunSpec spec, string runDirectory)
    {
        Spec = spec;
        RunDirectory = runDirectory;
    }

    public RunSpec Spec { get; }
    public string RunDirectory { get; }

    /// <summary>
    /// Resume from this checkpoint ("step-000010", "10" or a directory) instead of the newest; newer checkpoints are
    /// moved aside (renamed <c>….superseded-…</c>, never deleted). Null: the newest, which must verify.
    /// </summary>
    public string? ResumeFrom { get; init; }

    /// <summary>Called once the engines are built, before the first iteration, with the optimizer state the run holds.</summary>
    public Action<OptimizerFootprint>? Started { get; init; }

    /// <summary>Called after loading when an engine runs in fp16, with the FP16 range report of the initial weights.</summary>
    public Action<Fp16RangeReport>? Fp16RangeChecked { get; init; }

    /// <summary>Called on resume with each repair made to metrics.jsonl/metrics.csv to match the checkpoint (torn, duplicated, extra or missing rows).</summary>
    public Action<string>? MetricsRepaired { get; init; }

    /// <summary>Tests: called with the learner once it is opened (to inspect its engine and distributed step after the run).</summary>
    internal Action<PolicyLearner>? LearnerOpened { get; init; }

    /// <summary>Runs (or resumes) the run to <see cref="ScheduleSpec.Iterations"/>; reports every iteration's metrics.</summary>
    public RunSummary Run(IProgress<IterationMetrics>? progress = null, CancellationToken cancellationToken = default)
    {
        // One process per run directory for the whole run (a second one is refused naming this one).
        using var directoryLock = RunDirectoryLock.Acquire(RunDirectory);
        var start = LearnerStart.Open(Spec, RunDirectory, ResumeFrom);
        if (start.Fp16Range is { } range) Fp16RangeChecked?.Invoke(range);
        var learner = start.Learner;
        LearnerOpened?.Invoke(learner);
        var kernels = Engine.Backends.KernelSets.For(Spec.Precision.Device);
        var rollout = new RolloutEngine(start.Config, Spec.Precision.Rollout, kernels: kernels);
        // parallel.expert_workers > 1: the experts run on in-process owners (the learner's training side is set up in LearnerStart).
        var experts = Spec.Parallel.ExpertWorkers > 1 ? new Engine.Experts.InProcessExpertGroup(start.Config, Spec.Precision.Rollout, Spec.Parallel.ExpertWorkers, kernels) : null;
        rollout.ExpertExecutor = experts;
        var collector = new LocalRolloutCollector(Spec, learner.Tokenizer, rollout, RewardFunctions.For(Spec.Data.Task),
            new PolicyPublisher(learner.Engine, rollout, Spec.Lora, experts));
        Started?.Invoke(start.Footprint);
        AtomicFile.WriteAllText(Path.Combine(RunDirectory, SpecFileName), RunSpecWriter.ToYaml(Spec));
        // The same loop the learner grain runs; a stop request ends it between steps, never mid-step.
        var loop = new PolicyIterationLoop(Spec, learner, collector)
        {
            StopRequested = () => ValueTask.FromResult(cancellationToken.IsCancellationRequested),
            KeepSupersededRows = ResumeFrom is not null,
            MetricsRepaired = MetricsRepaired,
        };
        return loop.RunAsync(start, RunDirectory, progress, CancellationToken.None).GetAwaiter().GetResult().Summary;
    }

    /// <summary>The training engine's options from the spec: dtype, AdamW, loss scaling, LoRA adapters and the MoE load-balancing loss.</summary>
    internal TrainingOptions TrainingOptions() => LearnerStart.TrainingOptions(Spec);
}
