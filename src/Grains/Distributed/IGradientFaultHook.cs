namespace Precision.Orleans.Grains.Distributed;

/// <summary>
/// Test-only fault injection for gradient workers: registered in a silo's services only by tests, it may alter a
/// micro-batch's gradient (e.g. put an inf in it, as an fp16 overflow would) before the worker inspects and sends it,
/// or fail a worker's share of the old-log-prob pass.
/// </summary>
public interface IGradientFaultHook
{
    void Apply(string workerKey, long step, int microBatch, float[] gradient);

    /// <summary>Called as a worker starts its share <paramref name="share"/> of the old-log-prob pass at <paramref name="version"/>; may throw.</summary>
    void BeforeLogProbs(string workerKey, long version, int share)
    {
    }
}
