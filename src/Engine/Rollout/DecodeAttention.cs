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
    /// Outputs of the query heads that share kv head <paramref name="kvHead"/> (GQA: query head h uses
    /// kv head h / (Hq / Hkv), so they are consecutive), over cached positions 0..length-1 of the slot.
    /// Each cached key/value row is widened to FP32 once and used by the whole group.
    /// </summary>
    /// <param name="queries">[group, hd] rotated queries.</param>
    /// <param name="output">[group, hd] attention outputs, rounded to <paramref name="dtype"/>.</param>
    public static void Group(KvCache cache, int slot, int layer, int kvHead, int length,
        ReadOnlySpan<float> queries, Span<float> output, int headDim, DType dtype)
    {
        int group = queries.Length / headDim, headOffset = kvHead * headDim;
        float scale = 1f / MathF.Sqrt(headDim);
        Span<float> acc = group * headDim <= 4096 ? stackalloc float[group * headDim] : new float[group * headDim];
        Span<float> scores = group * Tile <= 4096 ? stackalloc float[group * Tile] : new float[group * Tile];
        Span<float> runningMax = stackalloc float[group];
        Span<float> runningSum = stackalloc float[group];
        Span<float> newMax = stackalloc float[group];
        Span<float> scratch = stackalloc float[headDim];
        acc.Clear();
        runningMax.Fill(float.NegativeInfinity);
        runningSum.Clear();
        for (int t0 = 0; t0 < length; t0 += Tile)
        {
            int count = Math.Min(Tile, length - t0);
            for (int j = 0; j < count; j++)
            {
                var key = cache.Key(slot, layer, t0 + j, headOffset, scratch);
                for (int g = 0; g < group; g++)
                    scores[g * Tile + j] = TensorPrimitives.Dot(queries.Slice(g * headDim, headDim), key) * scale;
            }
            for (int g = 0; g < group; g++)
            {
                var tile = scores.Slice(g * Tile, count);
                newMax[g] = MathF.Max(runningMax[g], TensorPrimitives.Max(tile));
                // Rescale what was accumulated under the old max (exp(-inf) = 0 on the first tile).
                float correction = MathF.Exp(runningMax[g] - newMax[g]);
                runningSum[g] *= correction;
                var a = acc.Slice(g * headDim, headDim);
                TensorPrimitives.Multiply(a, correction, a);
                // Turn the tile's scores into unnormalised probabilities in place.
                TensorPrimitives.Subtract(tile, newMax[g], tile);
                TensorPrimitives.Exp(tile, tile);
                runningMax[g] = newMax[g];
            }
            for (int j = 0; j < count; j++)
            {
                var value = cache.Value(slot, layer, t0 + j, headOffset, scratch);
                for (int g = 0; g < group; g++)
                {
                    float p = scores[g * Tile + j];
                    runningSum[g] += p;
                    var a = acc.Slice(g * headDim, headDim);
                    TensorPrimitives.MultiplyAdd(value, p, a, a);
                }
            }
        }
        for (int g = 0; g < group; g++)
            TensorPrimitives.Divide(acc.Slice(g * headDim, headDim), runningSum[g], output.Slice(g * headDim, headDim));
        DTypeRounding.RoundInPlace(output, dtype);
    }
}
