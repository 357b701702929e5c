using System.Numerics.Tensors;
using Precision.Orleans.Engine.Kernels;

namespace Precision.Orleans.Engine.Training;

/// <summary>
/// AdamW over one contiguous FP32 parameter buffer, with FP32 moments (PyTorch's algorithm:
/// decoupled decay <c>θ ← θ(1 − lr·λ)</c>, then the bias-corrected Adam update).
/// </summary>
public sealed class AdamW
{
    private readonly long _parameterCount;
    private float[]? _m, _v;

    public AdamW(long parameterCount, AdamWOptions options)
    {
        Options = options.Validate();
        _parameterCount = parameterCount;
    }

    public AdamWOptions Options { get; set; }

    // The moments are allocated on first use: an engine that only computes gradients (a data-parallel gradient worker,
    // whose optimizer state lives in the parameter shards) never holds them.

    /// <summary>First moment, same layout as the parameters.</summary>
    public float[] M => _m ??= new float[_parameterCount];

    /// <summary>Second moment, same layout as the parameters.</summary>
    public float[] V => _v ??= new float[_parameterCount];

    /// <summary>Whether the moments have been allocated (an optimizer that never stepped or was never read holds none).</summary>
    internal bool HoldsMoments => _m is not null || _v is not null;

    /// <summary>Number of updates applied so far (PyTorch's <c>state['step']</c>).</summary>
    public long StepCount { get; set; }

    /// <summary>Applies one update to <paramref name="parameters"/> from <paramref name="gradients"/>.</summary>
    public void Step(Span<float> parameters, ReadOnlySpan<float> gradients, float? learningRate = null)
    {
        if (parameters.Length != M.Length || gradients.Length != M.Length)
            throw new ArgumentException($"AdamW holds {M.Length} parameters, got {parameters.Length} parameters and {gradients.Length} gradients");
        StepCount++;
        var o = Options;
        float lr = learningRate ?? o.LearningRate;
        float b1 = o.Beta1, b2 = o.Beta2;
        // PyTorch evaluates the scalar schedule (1 − βᵗ, lr / bc1, √bc2) in Python doubles and only the tensor
        // arithmetic in float32; do the same, from the betas' float values.
        double b1d = b1, b2d = b2;
        double bc1 = 1.0 - Math.Pow(b1d, StepCount);
        double bc2 = 1.0 - Math.Pow(b2d, StepCount);
        float stepSize = (float)(lr / bc1);
        float bc2Sqrt = (float)Math.Sqrt(bc2);
        float decay = (float)(1.0 - (double)lr * o.WeightDecay);

        float eps = o.Epsilon;
        // Elementwise: blocks run in parallel, each element's arithmetic is the same on any thread.
        const int block = 8192;
        int count = parameters.Length;
        unsafe
        {
            fixed (float* pp = parameters, pg = gradients, pm = M, pv = V)
            {
                nint ap = (nint)pp, ag = (nint)pg, am = (nint)pm, av = (nint)pv;
                ParallelRanges.For((count + block - 1) / block, 12L * block, (lo, hi) =>
                {
                    Span<float> scratch = stackalloc float[block];
                    for (long i = (long)lo * block; i < Math.Min(count, (long)hi * block); i += block)
                    {
                        int n = (int)Math.Min(block, count - i);
                        var p = new Span<float>((float*)ap + i, n);
                        var g = new ReadOnlySpan<float>((float*)ag + i, n);
                        var m = new Span<float>((float*)am + i, n);
                        var v = new Span<float>((float*)av + i, n);
                        var tmp = scratch[..n];
                        // θ ← θ·(1 − lr·λ)
                        TensorPrimitives.Multiply(p, decay, p);
                        // m ← β1·m + (1 − β1)·g
                        TensorPrimitives.Multiply(m, b1, m);
                        TensorPrimitives.MultiplyAdd(g, 1f - b1, m, m);
                        // v ← β2·v + (1 − β2)·g²
                        TensorPrimitives.Multiply(v, b2, v);
                        TensorPrimitives.Multiply(g, g, tmp);
                        TensorPrimitives.MultiplyAdd(tmp, 1f - b2, v, v);
                        // θ ← θ − (lr / bc1) · m / (√v / √bc2 + ε)
                        TensorPrimitives.Sqrt(v, tmp);
                        TensorPrimitives.Divide(tmp, bc2Sqrt, tmp);
                        TensorPrimitives.Add(tmp, eps, tmp);
                        TensorPrimitives.Divide(m, tmp, tmp);
                        TensorPrimitives.MultiplyAdd(tmp, -stepSize, p, p);
                    }
                });
            }
        }
    }
}
