using Precision.Orleans.Abstractions;
using Precision.Orleans.Engine.Model;

namespace Precision.Orleans.Engine.Training;

/// <summary>
/// The training engine (FSDP/DeepSpeed-eager-like): whole padded sequences in parallel, GEMM-based,
/// unfused ops, every op's output rounded to the compute dtype, FP32 master weights cast to the
/// compute dtype, FP32 log-softmax from dtype logits, explicit backward, AdamW with FP32 state and
/// dynamic loss scaling.
/// </summary>
public sealed partial class TrainingEngine
{
    public ModelConfig Config { get; }
    public ParameterLayout Layout { get; }
    public TrainingOptions Options { get; }
    public DType ComputeDType => Options.ComputeDType;

    /// <summary>FP32 master weights, one contiguous buffer in <see cref="Layout"/>.</summary>
    public float[] MasterWeights { get; }

    /// <summary>FP32 gradient buffer (scaled by the loss scale until <see cref="OptimizerStep"/> unscales it).</summary>
    public float[] Gradients { get; }

    public AdamW Optimizer { get; }
    public LossScaler LossScaler { get; }

    public TrainingEngine(ModelConfig config, TrainingOptions options, float[]? masterWeights = null, int seed = 0)
    {
        Config = config.Validate();
        Options = options;
        Layout = new ParameterLayout(config);
        if (masterWeights is not null && masterWeights.Length != Layout.TotalCount)
            throw new ArgumentException($"master weights have {masterWeights.Length} elements, the model needs {Layout.TotalCount}");
        MasterWeights = masterWeights ?? new float[Layout.TotalCount];
        if (masterWeights is null) Layout.InitializeRandom(MasterWeights, seed);
        Gradients = new float[Layout.TotalCount];
        Optimizer = new AdamW(Layout.TotalCount, options.Optimizer);
        LossScaler = new LossScaler(options.LossScaler, options.LossScaler.Enabled ?? options.ComputeDType == DType.Fp16);
        InitializeCompute();
    }

    partial void InitializeCompute();
}
