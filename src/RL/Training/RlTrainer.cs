using Precision.Orleans.RL.Spec;

namespace Precision.Orleans.RL.Training;

/// <summary>
/// The embedded (single-process) trainer: rollout engine samples with μ → rewards → group-relative
/// advantages → training engine steps in its dtype with loss scaling → weight sync, once per policy iteration.
/// Writes <c>metrics.jsonl</c>, <c>metrics.csv</c> and <c>checkpoints/</c> under the run directory and resumes
/// from the newest checkpoint found there.
/// </summary>
public sealed class RlTrainer
{
    public RlTrainer(RunSpec spec, string runDirectory)
    {
        Spec = spec;
        RunDirectory = runDirectory;
    }

    public RunSpec Spec { get; }
    public string RunDirectory { get; }

    /// <summary>Runs (or resumes) the run to <see cref="ScheduleSpec.Iterations"/>; reports every iteration's metrics.</summary>
    public RunSummary Run(IProgress<IterationMetrics>? progress = null, CancellationToken cancellationToken = default) =>
        throw new NotImplementedException("RlTrainer.Run: being written (issue 3)");
}
