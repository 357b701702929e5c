namespace Precision.Orleans.Engine.Distributed;

/// <summary>
/// One parameter shard's slice of the trained parameters: whole tensors <c>[FirstTensor, FirstTensor + TensorCount)</c> of the
/// layout, which are the contiguous values <c>[Offset, Offset + Count)</c> of the flat FP32 buffer.
/// </summary>
public readonly record struct ShardRange(int Index, int FirstTensor, int TensorCount, long Offset, long Count);
