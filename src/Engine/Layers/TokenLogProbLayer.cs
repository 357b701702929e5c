using System.Buffers;
using System.Numerics.Tensors;
using Precision.Orleans.Abstractions;
using Precision.Orleans.Engine.Numerics;

namespace Precision.Orleans.Engine.Layers;

/// <summary>
/// log_softmax in FP32 of dtype logits, gathered at a target per row: logp[r] = (logits[r, t_r] − max) − log Σ exp(logits[r] − max).
/// Rows whose target is −1 produce 0 and receive no gradient. Rows run in parallel.
/// </summary>
public static class TokenLogProbLayer
{
    /// <param name="logSumExp">[rows] FP32 logsumexp per row (kept for backward).</param>
    public static void Forward(float[] logits, int[] targets, float[] logProbs, float[] logSumExp, int rows, int vocab)
    {
        Parallel.For(0, rows, r =>
        {
            int t = targets[r];
            if (t < 0)
            {
                logProbs[r] = 0f;
                logSumExp[r] = 0f;
                return;
            }
            if (t >= vocab) throw new ArgumentOutOfRangeException(nameof(targets), $"target {t} at row {r} is outside the vocabulary [0, {vocab})");
            var row = logits.AsSpan(r * vocab, vocab);
            var tmp = ArrayPool<float>.Shared.Rent(vocab);
            var e = tmp.AsSpan(0, vocab);
            float max = TensorPrimitives.Max(row);
            TensorPrimitives.Subtract(row, max, e);
            TensorPrimitives.Exp(e, e);
            float logSum = MathF.Log(TensorPrimitives.Sum(e));
            ArrayPool<float>.Shared.Return(tmp);
            logSumExp[r] = max + logSum;
            logProbs[r] = (row[t] - max) - logSum;
        });
    }

    /// <summary>
    /// dlogits[r, :] = round(dlogp[r]·(onehot(t_r) − softmax(logits[r]))), computed in FP32 then cast to the
    /// dtype (the backward of logits.float()). A huge loss scale overflows here in fp16, as it does on a GPU.
    /// <paramref name="dLogits"/> may be the same array as <paramref name="logits"/>.
    /// </summary>
    public static void Backward(float[] dLogProbs, float[] logits, float[] logSumExp, int[] targets, float[] dLogits, int rows, int vocab, DType dtype)
    {
        Parallel.For(0, rows, r =>
        {
            int t = targets[r];
            var dst = dLogits.AsSpan(r * vocab, vocab);
            float g = dLogProbs[r];
            if (t < 0 || g == 0f)
            {
                dst.Clear();
                return;
            }
            var row = logits.AsSpan(r * vocab, vocab);
            float pt = MathF.Exp(row[t] - logSumExp[r]);
            // dst = −g·softmax (dst may alias row: elementwise, read before written)
            TensorPrimitives.Subtract(row, logSumExp[r], dst);
            TensorPrimitives.Exp(dst, dst);
            TensorPrimitives.Multiply(dst, -g, dst);
            dst[t] = g - g * pt;
            DTypeRounding.RoundInPlace(dst, dtype);
        });
    }
}
