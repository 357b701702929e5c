using Precision.Orleans.Abstractions;
using Precision.Orleans.Engine.Model;

namespace Precision.Orleans.Engine.Rollout;

/// <summary>
/// The rollout engine (vLLM-like): batched token-by-token decode with a KV cache in the dtype,
/// weights stored in the dtype, fused kernels (residual+RMSNorm, SwiGLU, online-softmax attention
/// with FP32 scores) whose reduction order differs from the training engine's, and FP32 sampling.
/// One engine runs one <see cref="Generate"/> at a time (concurrent calls queue on a lock).
/// </summary>
public sealed partial class RolloutEngine
{
    private readonly object _gate = new();
    private readonly RotaryTable _rotary;
    private RolloutWeights? _weights;
    private DecodeBuffers? _buffers;
    private KvCache? _cache;

    public ModelConfig Config { get; }
    public ParameterLayout Layout { get; }
    public DType DType { get; }

    /// <summary>Most sequences decoded together; further prompts wait for a free slot.</summary>
    public int MaxBatchSize { get; }

    /// <summary>
    /// Token budget of one decode step (vLLM max_num_batched_tokens): one token per decoding sequence,
    /// the rest spent on prompt chunks. A budget at or below <see cref="MaxBatchSize"/> feeds prompts one
    /// token per step. Default 256.
    /// </summary>
    public int MaxBatchedTokens
    {
        get => _maxBatchedTokens;
        init => _maxBatchedTokens = value > 0 ? value : throw new ArgumentOutOfRangeException(nameof(MaxBatchedTokens), value, "rollout: max batched tokens must be positive");
    }

    private readonly int _maxBatchedTokens = 256;

    /// <summary>Version of the weights currently loaded; -1 before the first load.</summary>
    public long WeightVersion { get; private set; } = -1;

    /// <summary>The kernel set the decode step's fused ops run on (default: the CPU reference).</summary>
    public Backends.IKernelSet Kernels { get; }

    /// <param name="kernels">Kernel set of the device to run on; null = <see cref="Backends.CpuKernelSet.Instance"/>.</param>
    public RolloutEngine(ModelConfig config, DType dtype, int maxBatchSize = 64, Backends.IKernelSet? kernels = null)
    {
        Kernels = kernels ?? Backends.CpuKernelSet.Instance;
        if (maxBatchSize <= 0) throw new ArgumentOutOfRangeException(nameof(maxBatchSize), maxBatchSize, "rollout: max batch size must be positive");
        if (!Enum.IsDefined(dtype)) throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "rollout: unknown dtype");
        Config = config.Validate();
        Layout = new ParameterLayout(config);
        DType = dtype;
        MaxBatchSize = maxBatchSize;
        _rotary = new RotaryTable(config.HeadDim, config.RopeTheta, dtype);
    }

    /// <summary>
    /// Rounds the FP32 master weights (in <see cref="Layout"/> order) to the dtype, merges q/k/v and
    /// gate/up, and makes them the weights of version <paramref name="version"/>.
    /// </summary>
    public void LoadWeights(ReadOnlySpan<float> masterWeights, long version)
    {
        if (masterWeights.Length != Layout.TotalCount)
            throw new ArgumentException($"rollout: master weights have {masterWeights.Length} elements, the model needs {Layout.TotalCount}", nameof(masterWeights));
        if (version < 0) throw new ArgumentOutOfRangeException(nameof(version), version, "rollout: weight version must be >= 0");
        lock (_gate)
        {
            _weights ??= new RolloutWeights(Config, DType);
            _weights.Load(Layout, masterWeights);
            _adapters = null;
            AdapterMode = null;
            WeightVersion = version;
        }
    }
}
