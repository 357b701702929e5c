namespace Precision.Orleans.Engine.Distributed;

/// <summary>A parameter shard's own log line for one optimizer step: what it did and under which decision.</summary>
public readonly record struct ShardStepRecord(int Shard, long Step, bool Applied, float LossScale, float NextLossScale, long OptimizerSteps, string OverflowHolders);
