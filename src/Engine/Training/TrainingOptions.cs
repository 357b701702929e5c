using Precision.Orleans.Abstractions;
using Precision.Orleans.Engine.Backends;
using Precision.Orleans.Engine.Lora;

namespace Precision.Orleans.Engine.Training;

/// <summary>How the training engine computes and updates.</summary>
public sealed record TrainingOptions
{
    /// <summary>Dtype of activations, of the weight copy used for compute, and of every op's output. Default fp32.</summary>
    public DType ComputeDType { get; init; } = DType.Fp32;

    /// <summary>
    /// MoE models: weight of the Switch-Transformer load-balancing loss added to the loss inside
    /// <see cref="TrainingEngine.Backward"/> (HF's router_aux_loss_coef when output_router_logits is on). Default null:
    /// off, as in HF inference and in RL recipes that do not balance experts. Ignored for dense models.
    /// </summary>
    public float? RouterAuxLossCoef { get; init; }

    public AdamWOptions Optimizer { get; init; } = new();

    public LossScalerOptions LossScaler { get; init; } = new();

    /// <summary>
    /// LoRA adapters to train instead of the whole model; null (default) = full fine-tuning. With adapters the base
    /// weights are frozen in the compute dtype and only the adapters have FP32 masters, gradients and AdamW state.
    /// </summary>
    public LoraConfig? Lora { get; init; }

    /// <summary>
    /// The kernels the forward and backward run: <see cref="CpuKernelSet.Instance"/> (default, the numerical reference)
    /// or a device's set from <see cref="KernelSets.For"/>.
    /// </summary>
    public IKernelSet Kernels { get; init; } = CpuKernelSet.Instance;
}
