using System.Numerics.Tensors;
using Precision.Orleans.Engine.Model;

namespace Precision.Orleans.Engine.Training;

/// <summary>
/// torch.nn.utils.clip_grad_norm_ in two halves, so that a sharded learner computes it exactly as one process does: each
/// tensor's L2 norm (wherever that tensor's summed gradient lives), then the norm of the per-tensor norms in layout
/// order with the outer sum in double (torch sums the stacked norms in float32: last-bit differences on clipped steps),
/// then the clip coefficient.
/// </summary>
public static class GradientNorms
{
    /// <summary>The L2 norm of each tensor's slice of <paramref name="gradients"/>, in <paramref name="tensors"/> order; offsets relative to <paramref name="origin"/>.</summary>
    public static float[] PerTensor(ReadOnlySpan<float> gradients, IReadOnlyList<ParameterInfo> tensors, long origin = 0)
    {
        var norms = new float[tensors.Count];
        for (int i = 0; i < norms.Length; i++)
            norms[i] = TensorPrimitives.Norm(gradients.Slice((int)(tensors[i].Offset - origin), (int)tensors[i].Count));
        return norms;
    }

    /// <summary>√Σ norm² over the per-tensor norms in the order given (the whole layout's order), summed in double.</summary>
    public static float Global(ReadOnlySpan<float> tensorNorms)
    {
        double sumSquares = 0;
        foreach (float norm in tensorNorms) sumSquares += (double)norm * norm;
        return (float)Math.Sqrt(sumSquares);
    }

    /// <summary>The factor clip_grad_norm_ multiplies the gradients by, or null when it leaves them alone (no clipping, or a norm within the bound).</summary>
    public static float? ClipCoefficient(float globalNorm, float maxNorm)
    {
        if (!(maxNorm > 0)) return null;
        float coef = maxNorm / (globalNorm + 1e-6f);
        return coef < 1f ? coef : null;
    }
}
