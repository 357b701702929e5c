namespace Precision.Orleans.RL.Checkpoints;

/// <summary>
/// A verified trainer checkpoint read back: FP32 master weights (full fine-tuning) or FP32 LoRA adapters (a LoRA run,
/// whose frozen base is the run's initial model and is not copied into checkpoints), AdamW moments and the trainer state.
/// </summary>
/// <param name="Weights">The whole model's FP32 master weights; null in a LoRA checkpoint.</param>
/// <param name="Adapters">The adapters' FP32 master weights in the LoRA layout; null in a full fine-tuning checkpoint.</param>
public sealed record TrainerCheckpoint(string Directory, float[]? Weights, float[] M, float[] V, TrainerState State, float[]? Adapters = null);
