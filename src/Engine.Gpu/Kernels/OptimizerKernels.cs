using ILGPU;

namespace Precision.Orleans.Engine.Gpu.Kernels;

/// <summary>AdamW's per-step scalars, computed on the host in doubles as PyTorch does.</summary>
public struct AdamWScalars
{
    public float Decay, Beta1, Beta2, OneMinusBeta1, OneMinusBeta2, Bc2Sqrt, Epsilon, StepSize;
}

/// <summary>
/// The optimizer step on the device: GradScaler's inf/NaN check and unscale, per-tensor sums of squares for
/// clip_grad_norm_, the clip multiply, and AdamW with FP32 moments — each element's arithmetic in the CPU engine's order
/// (separately rounded multiplies and adds, no fused multiply-add), so the update is bit-identical where the inputs are.
/// </summary>
public static class OptimizerKernels
{
    /// <summary>flag[0] becomes 1 when any element is inf or NaN.</summary>
    public static void FindNonFinite(Index1D i, ArrayView<float> values, ArrayView<int> flag)
    {
        if (!DeviceNumerics.IsFinite(values[i])) Atomic.Or(ref flag[0], 1);
    }

    /// <summary>x = x·factor (the unscale by a reciprocal computed in double on the host, and the clip coefficient).</summary>
    public static void Scale(Index1D i, ArrayView<float> values, float factor) => values[i] *= factor;

    /// <summary>One thread per parameter tensor t: FP32 Σ g² over [bounds[2t], bounds[2t+1]) in ascending order.</summary>
    public static void TensorSumOfSquares(Index1D t, ArrayView<float> gradients, ArrayView<long> bounds, ArrayView<float> sums)
    {
        float sum = 0f;
        for (long e = bounds[2 * t]; e < bounds[2 * t + 1]; e++) sum += gradients[e] * gradients[e];
        sums[t] = sum;
    }

    /// <summary>θ ← θ(1 − lr·λ); m ← β1·m + (1 − β1)·g; v ← β2·v + (1 − β2)·g²; θ ← θ − (lr/bc1)·m/(√v/√bc2 + ε).</summary>
    public static void AdamW<TMath>(Index1D i, ArrayView<float> parameters, ArrayView<float> gradients, ArrayView<float> m, ArrayView<float> v, AdamWScalars s) where TMath : struct, IDeviceMath
    {
        float g = gradients[i];
        float p = parameters[i] * s.Decay;
        float mi = m[i] * s.Beta1;
        mi = default(TMath).MulAdd(g, s.OneMinusBeta1, mi);
        float vi = v[i] * s.Beta2;
        float g2 = g * g;
        vi = default(TMath).MulAdd(g2, s.OneMinusBeta2, vi);
        float denominator = MathF.Sqrt(vi) / s.Bc2Sqrt + s.Epsilon;
        float update = mi / denominator;
        parameters[i] = default(TMath).MulAdd(update, -s.StepSize, p);
        m[i] = mi;
        v[i] = vi;
    }
}
