namespace Precision.Orleans.Abstractions.Grains.Distributed;

/// <summary>
/// A data-parallel gradient worker of a run (key "{runId}/worker/{w}", on a learner-role silo): for each step it fetches
/// the weight version from the shards (in parallel, chunked, hash-checked), runs forward and backward over its share of
/// the micro-batches in the training dtype at the step's loss scale, sends each micro-batch's gradient slices to the
/// shards and reports overflow, its Σ of squared gradients and its token count. Before an iteration's steps it also runs
/// its share of the old-log-prob pass (π_θ', algorithms that need it) at the current version.
/// </summary>
public interface IGradientWorkerGrain : IGrainWithStringKey
{
    Task Configure(GradientWorkerSetup setup);

    Task<WorkerReport> Compute(GradientWork work);

    /// <summary>No-grad forwards of <paramref name="work"/>'s micro-batches at its version: each row's response log-probs (and MoE routing).</summary>
    Task<LogProbReport> ComputeLogProbs(LogProbWork work);

    /// <summary>Old-log-prob micro-batches this activation has computed (a diagnostic: which workers ran the pass).</summary>
    Task<long> GetLogProbMicroBatches();
}
