namespace Precision.Orleans.Grains.Distributed;

/// <summary>
/// Test-only fault injection for gradient workers: registered in a silo's services only by tests, it may alter a
/// micro-batch's gradient (e.g. put an inf in it, as an fp16 overflow would) before the worker inspects and sends it.
/// </summary>
public interface IGradientFaultHook
{
    void Apply(string workerKey, long step, int microBatch, float[] gradient);
}
