namespace Precision.Orleans.Abstractions.Grains.Distributed;

/// <summary>
/// A data-parallel gradient worker of a run (key "{runId}/worker/{w}", on a learner-role silo): for each step it fetches
/// the weight version from the shards (in parallel, chunked, hash-checked), runs forward and backward over its share of
/// the micro-batches in the training dtype at the step's loss scale, sends each micro-batch's gradient slices to the
/// shards and reports overflow, its Σ of squared gradients and its token count.
/// </summary>
public interface IGradientWorkerGrain : IGrainWithStringKey
{
    Task Configure(GradientWorkerSetup setup);

    Task<WorkerReport> Compute(GradientWork work);
}
