using Precision.Orleans.Abstractions;
using Precision.Orleans.Engine.Lora;
using Precision.Orleans.Engine.Model;

namespace Precision.Orleans.Engine.Training;

/// <summary>
/// The training engine (FSDP/DeepSpeed-eager-like): whole padded sequences in parallel, GEMM-based,
/// unfused ops, every op's output rounded to the compute dtype, FP32 master weights cast to the
/// compute dtype, FP32 log-softmax from dtype logits, explicit backward, AdamW with FP32 state and
/// dynamic loss scaling. With <see cref="TrainingOptions.Lora"/> only LoRA adapters are trained.
/// </summary>
public sealed partial class TrainingEngine
{
    public ModelConfig Config { get; }
    public ParameterLayout Layout { get; }
    public TrainingOptions Options { get; }
    public DType ComputeDType => Options.ComputeDType;

    /// <summary>The kernel set every forward/backward op runs on (<see cref="TrainingOptions.Kernels"/>).</summary>
    public Backends.IKernelSet Kernels => Options.Kernels;

    /// <summary>FP32 master weights, one contiguous buffer in <see cref="Layout"/> (frozen base weights in a LoRA run).</summary>
    public float[] MasterWeights { get; }

    /// <summary>
    /// FP32 gradient buffer in <see cref="Layout"/> (scaled by the loss scale until <see cref="OptimizerStep"/> unscales
    /// it). EMPTY in a LoRA run: the base is frozen, its gradients are never computed (see <see cref="Adapters"/>).
    /// </summary>
    public float[] Gradients { get; }

    /// <summary>The trained LoRA adapters (master weights + gradients); null for full fine-tuning.</summary>
    public LoraAdapters? Adapters { get; }

    /// <summary>AdamW over the trained parameters: the whole model, or only the adapters in a LoRA run.</summary>
    public AdamW Optimizer { get; }
    public LossScaler LossScaler { get; }

    /// <summary>Number of trained parameters: <see cref="ParameterLayout.TotalCount"/>, or the adapters' count with LoRA.</summary>
    public long TrainableParameters => Adapters?.Layout.TotalCount ?? Layout.TotalCount;

    /// <summary>Bytes of AdamW state actually held (FP32 first and second moments of the trained parameters).</summary>
    public long OptimizerStateBytes => ((long)Optimizer.M.Length + Optimizer.V.Length) * sizeof(float);

    /// <param name="adapterWeights">With LoRA: initial FP32 adapters in the LoRA layout (e.g. a loaded adapter); null = PEFT init from <paramref name="seed"/>.</param>
    public TrainingEngine(ModelConfig config, TrainingOptions options, float[]? masterWeights = null, int seed = 0, float[]? adapterWeights = null)
    {
        Config = config.Validate();
        Options = options;
        Layout = new ParameterLayout(config);
        if (masterWeights is not null && masterWeights.Length != Layout.TotalCount)
            throw new ArgumentException($"master weights have {masterWeights.Length} elements, the model needs {Layout.TotalCount}");
        MasterWeights = masterWeights ?? new float[Layout.TotalCount];
        if (masterWeights is null) Layout.InitializeRandom(MasterWeights, seed);
        if (options.Lora is { } lora)
        {
            Adapters = new LoraAdapters(new LoraLayout(Layout, lora), adapterWeights, seed);
            // Frozen base: no gradient buffer and no optimizer state for it (that memory is the point of LoRA).
            Gradients = [];
            Optimizer = new AdamW(Adapters.Layout.TotalCount, options.Optimizer);
        }
        else
        {
            if (adapterWeights is not null) throw new ArgumentException("adapter weights were given but TrainingOptions.Lora is null", nameof(adapterWeights));
            Gradients = new float[Layout.TotalCount];
            Optimizer = new AdamW(Layout.TotalCount, options.Optimizer);
        }
        LossScaler = new LossScaler(options.LossScaler, options.LossScaler.Enabled ?? options.ComputeDType == DType.Fp16);
        _backwardGradients = TrainedGradients;
        InitializeCompute();
    }

    partial void InitializeCompute();
}
