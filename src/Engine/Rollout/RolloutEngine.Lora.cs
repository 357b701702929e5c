using Precision.Orleans.Abstractions;
using Precision.Orleans.Engine.Kernels;
using Precision.Orleans.Engine.Lora;

namespace Precision.Orleans.Engine.Rollout;

public sealed partial class RolloutEngine
{
    private RolloutAdapters? _adapters;

    /// <summary>How the current weights apply a LoRA adapter; null when plain weights are loaded.</summary>
    public LoraRolloutMode? AdapterMode { get; private set; }

    /// <summary>
    /// Loads FP32 base weights plus a LoRA adapter as version <paramref name="version"/>. Merged: W' = W + scale·B·A in
    /// FP32, then stored in the dtype. Unmerged: the base is stored in the dtype and each adapted linear adds the
    /// adapter path at decode time (MoE experts must be merged).
    /// </summary>
    public void LoadWeights(ReadOnlySpan<float> baseMaster, LoraLayout adapters, ReadOnlySpan<float> adapterWeights,
        LoraRolloutMode mode, long version)
    {
        ArgumentNullException.ThrowIfNull(adapters);
        if (adapters.Base.Config != Config)
            throw new ArgumentException("rollout: the LoRA layout was built for a different model config", nameof(adapters));
        if (adapterWeights.Length != adapters.TotalCount)
            throw new ArgumentException($"rollout: adapter weights have {adapterWeights.Length} elements, the LoRA layout needs {adapters.TotalCount}", nameof(adapterWeights));
        if (!Enum.IsDefined(mode)) throw new ArgumentOutOfRangeException(nameof(mode), mode, "rollout: unknown LoRA mode");
        if (mode == LoraRolloutMode.Merged)
        {
            var merged = baseMaster.ToArray();
            MergeAdapters(merged, adapters, adapterWeights);
            lock (_gate)
            {
                LoadWeights(merged, version);
                AdapterMode = LoraRolloutMode.Merged;
            }
            return;
        }
        // Build (and validate) the adapters before touching the loaded weights.
        var unmerged = new RolloutAdapters(adapters, adapterWeights, DType);
        lock (_gate)
        {
            LoadWeights(baseMaster, version);
            _adapters = unmerged;
            AdapterMode = LoraRolloutMode.Unmerged;
        }
    }

    /// <summary>PEFT merge in FP32: W += scale · (B·A) for every target, in place on <paramref name="master"/>.</summary>
    public static void MergeAdapters(Span<float> master, LoraLayout adapters, ReadOnlySpan<float> adapterWeights)
    {
        if (master.Length != adapters.Base.TotalCount)
            throw new ArgumentException($"master weights have {master.Length} elements, the model needs {adapters.Base.TotalCount}", nameof(master));
        int r = adapters.Config.Rank;
        float scale = adapters.Config.Scale;
        foreach (var t in adapters.Targets)
        {
            var delta = new float[(long)t.OutFeatures * t.InFeatures];
            // delta[out, in] = B[out, r] · A[r, in]
            Gemm.MatMul(false, false, t.OutFeatures, t.InFeatures, r,
                adapterWeights.Slice((int)t.B.Offset, (int)t.B.Count), r,
                adapterWeights.Slice((int)t.A.Offset, (int)t.A.Count), t.InFeatures, delta, t.InFeatures, DType.Fp32);
            var w = master.Slice((int)t.BaseOffset, delta.Length);
            for (int i = 0; i < delta.Length; i++) w[i] += scale * delta[i];
        }
    }
}
