using System.Numerics.Tensors;
using Precision.Orleans.Abstractions;
using Precision.Orleans.Engine.Layers;
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
    private float[] TrainedGradients => Adapters?.Gradients ?? Gradients;

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

    /// <summary>y = round(y + round(scale · round(round(x·Aᵀ)·Bᵀ))) over the first n rows.</summary>
    private void LoraForward(LoraTarget t, ReadOnlySpan<float> x, Span<float> y, int n)
    {
        var dt = ComputeDType;
        int r = Adapters!.Layout.Config.Rank, outF = t.OutFeatures, inF = t.InFeatures;
        var u = Scratch(ref _loraU, n * r);
        var v = Scratch(ref _loraV, n * outF);
        LinearLayer.Forward(x, AdapterCompute(t.A), Span<float>.Empty, u, n, r, inF, dt);
        LinearLayer.Forward(u, AdapterCompute(t.B), Span<float>.Empty, v, n, outF, r, dt);
        TensorPrimitives.Multiply(v, Adapters.Layout.Config.Scale, v);
        DTypeRounding.RoundInPlace(v, dt);
        var yn = y[..(n * outF)];
        TensorPrimitives.Add(yn, v, yn);
        DTypeRounding.RoundInPlace(yn, dt);
    }

    /// <summary>
    /// Backward of <see cref="LoraForward"/>: dv = round(scale·dy); dB += round(dvᵀ·u); du = round(dv·B);
    /// dA += round(duᵀ·x); dx = round(dx + round(du·A)). u = round(x·Aᵀ) is recomputed rather than kept.
    /// </summary>
    private void LoraBackward(LoraTarget t, ReadOnlySpan<float> dy, ReadOnlySpan<float> x, Span<float> dx, int n)
    {
        var dt = ComputeDType;
        var a = Adapters!;
        int r = a.Layout.Config.Rank, outF = t.OutFeatures, inF = t.InFeatures;
        var u = Scratch(ref _loraU, n * r);
        var dv = Scratch(ref _loraV, n * outF);
        var du = Scratch(ref _loraDu, n * r);
        LinearLayer.Forward(x, AdapterCompute(t.A), Span<float>.Empty, u, n, r, inF, dt);
        TensorPrimitives.Multiply(dy[..(n * outF)], a.Layout.Config.Scale, dv);
        DTypeRounding.RoundInPlace(dv, dt);
        LinearLayer.Backward(dv, u, AdapterCompute(t.B), du, AdapterGradient(t.B), Span<float>.Empty, n, outF, r, dt, accumulateInput: false);
        LinearLayer.Backward(du, x, AdapterCompute(t.A), dx, AdapterGradient(t.A), Span<float>.Empty, n, r, inF, dt, accumulateInput: true);
    }

    private Span<float> AdapterCompute(Model.ParameterInfo p) => _adapterCompute.AsSpan((int)p.Offset, (int)p.Count);

    private Span<float> AdapterGradient(Model.ParameterInfo p) => Adapters!.Gradients.AsSpan((int)p.Offset, (int)p.Count);

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
