namespace Precision.Orleans.Engine.Distributed;

/// <summary>
/// What a parameter shard reports once it has summed every micro-batch's gradient slice of a step: whether the summed
/// (still scaled) slice holds inf/NaN, and the L2 norm of each of its tensors' unscaled gradients, in layout order.
/// </summary>
public sealed record ShardReduction(int Shard, long Step, bool Overflow, float[] TensorNorms);
