namespace Precision.Orleans.Engine.Training;

/// <summary>Dynamic loss scaling, with PyTorch <c>torch.cuda.amp.GradScaler</c> semantics and defaults.</summary>
public sealed record LossScalerOptions
{
    /// <summary>Whether to scale at all. Null (default) means: only when the compute dtype is fp16.</summary>
    public bool? Enabled { get; init; }

    /// <summary>Scale before the first step. Default 2^16 = 65536.</summary>
    public float InitialScale { get; init; } = 65536f;

    /// <summary>Multiplier after <see cref="GrowthInterval"/> consecutive clean steps. Default 2.</summary>
    public float GrowthFactor { get; init; } = 2f;

    /// <summary>Multiplier after a step whose gradients held inf/NaN (the step is skipped). Default 0.5.</summary>
    public float BackoffFactor { get; init; } = 0.5f;

    /// <summary>Clean steps before the scale grows. Default 2000.</summary>
    public int GrowthInterval { get; init; } = 2000;

    public LossScalerOptions Validate()
    {
        if (!(InitialScale > 0) || float.IsInfinity(InitialScale)) throw new ArgumentException($"loss scaler: initial_scale must be positive and finite, got {InitialScale}");
        if (!(GrowthFactor > 1)) throw new ArgumentException($"loss scaler: growth_factor must be > 1, got {GrowthFactor}");
        if (!(BackoffFactor > 0 && BackoffFactor < 1)) throw new ArgumentException($"loss scaler: backoff_factor must be in (0, 1), got {BackoffFactor}");
        if (GrowthInterval <= 0) throw new ArgumentException($"loss scaler: growth_interval must be positive, got {GrowthInterval}");
        return this;
    }
}
