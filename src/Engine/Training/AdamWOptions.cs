namespace Precision.Orleans.Engine.Training;

/// <summary>AdamW hyper-parameters; defaults are PyTorch's <c>torch.optim.AdamW</c> except the learning rate.</summary>
public sealed record AdamWOptions
{
    /// <summary>Default 1e-3.</summary>
    public float LearningRate { get; init; } = 1e-3f;

    public float Beta1 { get; init; } = 0.9f;

    public float Beta2 { get; init; } = 0.999f;

    public float Epsilon { get; init; } = 1e-8f;

    /// <summary>Decoupled weight decay. Default 0.01 (PyTorch).</summary>
    public float WeightDecay { get; init; } = 0.01f;

    /// <summary>Global-norm gradient clipping threshold; 0 or less disables. Default 1.0.</summary>
    public float MaxGradNorm { get; init; } = 1.0f;

    public AdamWOptions Validate()
    {
        if (!(LearningRate >= 0)) throw new ArgumentException($"adamw: lr must be >= 0, got {LearningRate}");
        if (!(Beta1 >= 0 && Beta1 < 1)) throw new ArgumentException($"adamw: beta1 must be in [0, 1), got {Beta1}");
        if (!(Beta2 >= 0 && Beta2 < 1)) throw new ArgumentException($"adamw: beta2 must be in [0, 1), got {Beta2}");
        if (!(Epsilon > 0)) throw new ArgumentException($"adamw: eps must be > 0, got {Epsilon}");
        if (!(WeightDecay >= 0)) throw new ArgumentException($"adamw: weight_decay must be >= 0, got {WeightDecay}");
        return this;
    }
}
