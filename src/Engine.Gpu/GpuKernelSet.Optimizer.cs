using Precision.Orleans.Engine.Gpu.Kernels;
using Precision.Orleans.Engine.Training;

namespace Precision.Orleans.Engine.Gpu;

public sealed partial class GpuKernelSet
{
    /// <summary>GradScaler's check: true when any gradient is inf or NaN (an atomic OR into one device flag).</summary>
    public bool HasNonFinite(ReadOnlySpan<float> values)
    {
        if (values.IsEmpty) return false;
        using var dv = Upload(values);
        using var flag = Upload<int>([0]);
        _findNonFinite(Extent(values.Length), dv.View, flag.View);
        Span<int> result = stackalloc int[1];
        Download(flag, result);
        return result[0] != 0;
    }

    /// <summary>values ×= factor (the unscale by (float)(1/scale), and the clip coefficient).</summary>
    public void Scale(Span<float> values, float factor)
    {
        if (values.IsEmpty) return;
        using var dv = Upload<float>(values);
        _scale(Extent(values.Length), dv.View, factor);
        Download(dv, values);
    }

    /// <summary>clip_grad_norm_'s total norm: per-tensor FP32 norms on the device, their squares summed in double on the host.</summary>
    public float GlobalNorm(ReadOnlySpan<float> gradients, IReadOnlyList<Model.ParameterInfo> tensors)
    {
        if (tensors.Count == 0) return 0f;
        var bounds = new long[2 * tensors.Count];
        for (int t = 0; t < tensors.Count; t++)
        {
            bounds[2 * t] = tensors[t].Offset;
            bounds[2 * t + 1] = tensors[t].Offset + tensors[t].Count;
            if (bounds[2 * t + 1] > gradients.Length) throw new ArgumentException($"tensor {tensors[t].Name} ends past the {gradients.Length} gradients");
        }
        using var dg = Upload(gradients);
        using var dBounds = Upload<long>(bounds);
        using var dSums = Allocate<float>(tensors.Count);
        _tensorSumOfSquares(Extent(tensors.Count), dg.View, dBounds.View, dSums.View);
        var sums = new float[tensors.Count];
        Download(dSums, sums);
        double total = 0;
        foreach (float s in sums)
        {
            float norm = MathF.Sqrt(s);
            total += (double)norm * norm;
        }
        return (float)Math.Sqrt(total);
    }

    /// <summary>One AdamW update of <paramref name="parameters"/> with <paramref name="optimizer"/>'s moments and step count (as <see cref="AdamW.Step"/>).</summary>
    public void AdamWStep(AdamW optimizer, Span<float> parameters, ReadOnlySpan<float> gradients, float? learningRate)
    {
        if (parameters.Length != optimizer.M.Length || gradients.Length != optimizer.M.Length)
            throw new ArgumentException($"AdamW holds {optimizer.M.Length} parameters, got {parameters.Length} parameters and {gradients.Length} gradients");
        optimizer.StepCount++;
        var o = optimizer.Options;
        float lr = learningRate ?? o.LearningRate;
        double bc1 = 1.0 - Math.Pow(o.Beta1, optimizer.StepCount), bc2 = 1.0 - Math.Pow(o.Beta2, optimizer.StepCount);
        var scalars = new AdamWScalars
        {
            Decay = (float)(1.0 - (double)lr * o.WeightDecay), Beta1 = o.Beta1, Beta2 = o.Beta2,
            OneMinusBeta1 = 1f - o.Beta1, OneMinusBeta2 = 1f - o.Beta2, Bc2Sqrt = (float)Math.Sqrt(bc2), Epsilon = o.Epsilon,
            StepSize = (float)(lr / bc1),
        };
        using var dp = Upload<float>(parameters);
        using var dg = Upload(gradients);
        using var dm = Upload<float>(optimizer.M);
        using var dv = Upload<float>(optimizer.V);
        _adamW(Extent(parameters.Length), dp.View, dg.View, dm.View, dv.View, scalars);
        Download(dp, parameters);
        Download(dm, optimizer.M);
        Download(dv, optimizer.V);
    }
}
