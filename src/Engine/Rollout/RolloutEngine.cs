using Precision.Orleans.Abstractions;
using Precision.Orleans.Engine.Model;

namespace Precision.Orleans.Engine.Rollout;

/// <summary>
/// The rollout engine (vLLM-like): batched token-by-token decode with a KV cache in the dtype,
/// weights stored in the dtype, fused kernels (residual+RMSNorm, SwiGLU, online-softmax attention
/// with FP32 scores) whose reduction order differs from the training engine's, and FP32 sampling.
/// </summary>
public sealed partial class RolloutEngine
{
    public ModelConfig Config { get; }
    public ParameterLayout Layout { get; }
    public DType DType { get; }

    /// <summary>Version of the weights currently loaded; -1 before the first load.</summary>
    public long WeightVersion { get; private set; } = -1;

    public RolloutEngine(ModelConfig config, DType dtype)
    {
        Config = config.Validate();
        Layout = new ParameterLayout(config);
        DType = dtype;
    }
}
