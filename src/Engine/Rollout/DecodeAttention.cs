using System.Numerics.Tensors;
using Precision.Orleans.Abstractions;
using Precision.Orleans.Engine.Numerics;

namespace Precision.Orleans.Engine.Rollout;

/// <summary>
/// Single-query attention over a slot's KV cache with an online softmax (flash-decoding style): the
/// positions are visited in tiles, scores q·k/√hd stay in FP32, a running max and sum rescale an
/// FP32 value accumulator, and the output is rounded to the dtype once. No probability matrix is ever
/// materialised or rounded — unlike the training engine's softmax-then-GEMM.
/// </summary>
internal static class DecodeAttention
{
    public const int Tile = 64;

    /// <summary>
    /// Output of one query head: <paramref name="length"/> cached positions (0..length-1) of the slot,
    /// kv head <paramref name="kvHead"/> (GQA: query head h uses kv head h / (Hq / Hkv)).
    /// </summary>
    public static void Head(KvCache cache, int slot, int layer, int kvHead, int length,
        ReadOnlySpan<float> query, Span<float> output, DType dtype)
    {
        int hd = query.Length, headOffset = kvHead * hd;
        float scale = 1f / MathF.Sqrt(hd);
        Span<float> acc = stackalloc float[hd];
        Span<float> scratch = stackalloc float[hd];
        Span<float> scores = stackalloc float[Tile];
        acc.Clear();
        float runningMax = float.NegativeInfinity, runningSum = 0f;
        for (int t0 = 0; t0 < length; t0 += Tile)
        {
            int count = Math.Min(Tile, length - t0);
            var tile = scores[..count];
            for (int j = 0; j < count; j++)
                tile[j] = TensorPrimitives.Dot(query, cache.Key(slot, layer, t0 + j, headOffset, scratch)) * scale;
            float newMax = MathF.Max(runningMax, TensorPrimitives.Max(tile));
            // Rescale what was accumulated under the old max (exp(-inf) = 0 on the first tile).
            float correction = MathF.Exp(runningMax - newMax);
            runningSum *= correction;
            TensorPrimitives.Multiply(acc, correction, acc);
            for (int j = 0; j < count; j++)
            {
                float p = MathF.Exp(tile[j] - newMax);
                runningSum += p;
                TensorPrimitives.MultiplyAdd(cache.Value(slot, layer, t0 + j, headOffset, scratch), p, acc, acc);
            }
            runningMax = newMax;
        }
        TensorPrimitives.Divide(acc, runningSum, output);
        DTypeRounding.RoundInPlace(output, dtype);
    }
}
