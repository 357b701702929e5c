namespace Precision.Orleans.RL.Checkpoints;

/// <summary>A verified trainer checkpoint read back: FP32 master weights, AdamW moments and the trainer state.</summary>
public sealed record TrainerCheckpoint(string Directory, float[] Weights, float[] M, float[] V, TrainerState State);
