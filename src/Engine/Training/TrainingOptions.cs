using Precision.Orleans.Abstractions;

namespace Precision.Orleans.Engine.Training;

/// <summary>How the training engine computes and updates.</summary>
public sealed record TrainingOptions
{
    /// <summary>Dtype of activations, of the weight copy used for compute, and of every op's output. Default fp32.</summary>
    public DType ComputeDType { get; init; } = DType.Fp32;

    public AdamWOptions Optimizer { get; init; } = new();

    public LossScalerOptions LossScaler { get; init; } = new();
}
