using Precision.Orleans.Abstractions;
using Precision.Orleans.Engine.Lora;
using Precision.Orleans.Engine.Numerics;

namespace Precision.Orleans.Engine.Training;

/// <summary>
/// LoRA in the training engine, as PEFT computes it under autocast: every adapted linear adds
/// z = round(scale · round(round(x·Aᵀ)·Bᵀ)) to its (rounded) base output and rounds the sum. A and B are read as their
/// compute-dtype casts; the base weights are frozen and their gradients never computed.
/// </summary>
public sealed partial class TrainingEngine
{
    private float[] _adapterCompute = [];
    private float[] _loraU = [], _loraV = [], _loraDu = [];
    private float[] _frozenGradScratch = [];

    /// <summary>The buffer the optimizer steps on: the adapters' gradients in a LoRA run, the model's otherwise.</summary>
    internal float[] TrainedGradients => Adapters?.Gradients ?? Gradients;

    /// <summary>The trained parameters' FP32 masters: the adapters in a LoRA run, the whole model otherwise.</summary>
    public float[] TrainedWeights => Adapters?.Weights ?? MasterWeights;

    /// <summary>The trained tensors in layout order (offsets into <see cref="TrainedWeights"/>).</summary>
    public IReadOnlyList<Model.ParameterInfo> TrainedTensors => Adapters?.Layout.Parameters ?? Layout.Parameters;

    /// <summary>
    /// Replaces the trained FP32 masters (a weight version fetched from the parameter shards) and re-casts the compute
    /// copy, exactly as <see cref="OptimizerStep"/> leaves it after updating them in place.
    /// </summary>
    public void LoadTrainedWeights(ReadOnlySpan<float> weights)
    {
        var target = TrainedWeights;
        if (weights.Length != target.Length) throw new ArgumentException($"the trained weights have {target.Length} values, got {weights.Length}");
        weights.CopyTo(target);
        if (Adapters is null) RefreshComputeWeights();
        else RefreshAdapterComputeWeights();
    }

    /// <summary>Re-casts the FP32 master adapters to the compute dtype (the same array in fp32); no-op without LoRA.</summary>
    public void RefreshAdapterComputeWeights()
    {
        if (Adapters is null) return;
        if (ComputeDType == DType.Fp32)
        {
            _adapterCompute = Adapters.Weights;
            return;
        }
        if (_adapterCompute.Length != Adapters.Weights.Length) _adapterCompute = new float[Adapters.Weights.Length];
        DTypeRounding.RoundCopy(Adapters.Weights, _adapterCompute, ComputeDType);
    }

    /// <summary>Adds the adapter path of <paramref name="t"/> to the base output y (see <see cref="LoraLinearLayer.Forward"/>).</summary>
    private void LoraForward(LoraTarget t, ReadOnlySpan<float> x, Span<float> y, int n)
    {
        var cfg = Adapters!.Layout.Config;
        int r = cfg.Rank, outF = t.OutFeatures;
        LoraLinearLayer.Forward(x, AdapterCompute(t.A), AdapterCompute(t.B), cfg.Scale, y,
            Scratch(ref _loraU, n * r), Scratch(ref _loraV, n * outF), n, outF, t.InFeatures, r, ComputeDType);
    }

    /// <summary>Adapter gradients into <see cref="LoraAdapters.Gradients"/> and the adapter's share of dx (see <see cref="LoraLinearLayer.Backward"/>).</summary>
    private void LoraBackward(LoraTarget t, ReadOnlySpan<float> dy, ReadOnlySpan<float> x, Span<float> dx, int n)
    {
        var cfg = Adapters!.Layout.Config;
        int r = cfg.Rank, outF = t.OutFeatures;
        LoraLinearLayer.Backward(dy, x, AdapterCompute(t.A), AdapterCompute(t.B), cfg.Scale, dx, AdapterGradient(t.A), AdapterGradient(t.B),
            Scratch(ref _loraU, n * r), Scratch(ref _loraV, n * outF), Scratch(ref _loraDu, n * r), n, outF, t.InFeatures, r, ComputeDType);
    }

    private Span<float> AdapterCompute(Model.ParameterInfo p) => _adapterCompute.AsSpan((int)p.Offset, (int)p.Count);

    private Span<float> AdapterGradient(Model.ParameterInfo p) => _backwardGradients.AsSpan((int)p.Offset, (int)p.Count);

    private Span<float> FrozenGradientScratch(int count)
    {
        if (_frozenGradScratch.Length < count) _frozenGradScratch = new float[count];
        return _frozenGradScratch.AsSpan(0, count);
    }

    private static Span<float> Scratch(ref float[] buffer, int count)
    {
        if (buffer.Length < count) buffer = new float[count];
        return buffer.AsSpan(0, count);
    }
}
