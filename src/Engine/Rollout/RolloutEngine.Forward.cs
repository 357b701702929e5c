using Precision.Orleans.Abstractions;

namespace Precision.Orleans.Engine.Rollout;

public sealed partial class RolloutEngine
{
    /// <summary>
    /// One decode step for <paramref name="rows"/> sequences, each feeding one token at its own
    /// position (buffers Tokens/Positions/Slots). Writes each row's k/v into its slot's cache, and the
    /// dtype-rounded logits of the first <paramref name="sampleCount"/> rows listed in SampleRows.
    /// </summary>
    private void DecodeStep(RolloutWeights w, DecodeBuffers b, KvCache cache, int rows, int sampleCount)
    {
        var c = Config;
        int d = c.HiddenSize, q = c.QDim, kv = c.KvDim, qkvWidth = q + 2 * kv, inter = c.IntermediateSize;
        float eps = c.RmsNormEps;
        var dt = DType;

        for (int r = 0; r < rows; r++) w.Embedding.CopyRow(b.Tokens[r], b.Hidden.AsSpan(r * d, d));

        int moeLayer = 0; // index of the next sparse layer among sparse layers (the routing record's layer index)
        for (int l = 0; l < c.NumHiddenLayers; l++)
        {
            var lw = w.Layers[l];
            for (int r = 0; r < rows; r++)
            {
                var x = b.Hidden.AsSpan(r * d, d);
                var residual = b.Residual.AsSpan(r * d, d);
                var normed = b.Normed.AsSpan(r * d, d);
                if (l == 0)
                {
                    // First layer: the embedding is the residual; a plain fused RMSNorm.
                    x.CopyTo(residual);
                    Kernels.FusedRmsNorm(residual, lw.InputNorm.Values, eps, normed, dt);
                }
                else Kernels.FusedAddRmsNorm(x, residual, lw.InputNorm.Values, eps, normed, dt);
            }

            // qkv = x·Wqkvᵀ (+ bias in the GEMM epilogue: FP32 add, one rounding).
            if (lw.QkvBias is null) lw.Qkv.Multiply(Kernels, b.Normed, b.Qkv, rows, dt);
            else
            {
                lw.Qkv.Multiply(Kernels, b.Normed, b.Qkv, rows, DType.Fp32);
                for (int r = 0; r < rows; r++) FusedKernels.AddBias(b.Qkv.AsSpan(r * qkvWidth, qkvWidth), lw.QkvBias.Values, dt);
            }
            _adapters?.Apply(l, RolloutLinear.Qkv, b.Normed, b.Qkv, rows, qkvWidth);

            for (int r = 0; r < rows; r++)
            {
                var row = b.Qkv.AsSpan(r * qkvWidth, qkvWidth);
                int pos = b.Positions[r];
                // Rotate q and k heads together (they are adjacent in the merged row); qwen3 normalises each head first.
                if (lw.QNorm is not null && lw.KNorm is not null)
                    FusedKernels.QkNormRotary(row[..(q + kv)], c.NumAttentionHeads, lw.QNorm.Values, lw.KNorm.Values, eps,
                        _rotary.Cos(pos), _rotary.Sin(pos), dt);
                else Kernels.FusedRotary(row[..(q + kv)], _rotary.Cos(pos), _rotary.Sin(pos), dt);
                cache.Write(b.Slots[r], l, pos, row.Slice(q, kv), row.Slice(q + kv, kv));
            }

            Attend(b, cache, l, rows);
            lw.OProj.Multiply(Kernels, b.Attention, b.Hidden, rows, dt);
            _adapters?.Apply(l, RolloutLinear.OProj, b.Attention, b.Hidden, rows, d);

            for (int r = 0; r < rows; r++)
                Kernels.FusedAddRmsNorm(b.Hidden.AsSpan(r * d, d), b.Residual.AsSpan(r * d, d),
                    lw.PostAttentionNorm.Values, eps, b.Normed.AsSpan(r * d, d), dt);

            if (lw.Moe is { } moe)
            {
                SparseMlp(moe, b, rows, moeLayer);
                moeLayer++;
                continue;
            }
            lw.GateUp!.Multiply(Kernels, b.Normed, b.GateUp, rows, dt);
            _adapters?.Apply(l, RolloutLinear.GateUp, b.Normed, b.GateUp, rows, 2 * inter);
            for (int r = 0; r < rows; r++)
            {
                var gu = b.GateUp.AsSpan(r * 2 * inter, 2 * inter);
                Kernels.SiluAndMul(gu[..inter], gu[inter..], b.Activation.AsSpan(r * inter, inter), dt);
            }
            lw.Down!.Multiply(Kernels, b.Activation, b.Hidden, rows, dt);
            _adapters?.Apply(l, RolloutLinear.Down, b.Activation, b.Hidden, rows, d);
        }

        // Final fused add+norm only for the rows that sample, gathered contiguously for the LM head.
        for (int s = 0; s < sampleCount; s++)
        {
            int r = b.SampleRows[s];
            Kernels.FusedAddRmsNorm(b.Hidden.AsSpan(r * d, d), b.Residual.AsSpan(r * d, d),
                w.FinalNorm.Values, eps, b.SampleInput.AsSpan(s * d, d), dt);
        }
        w.LmHead.Multiply(Kernels, b.SampleInput, b.Logits, sampleCount, dt);
    }

    // Attention work items read the step's buffers from these fields, so the loop body is one delegate
    // created once per engine rather than a closure allocated per layer per step.
    private DecodeBuffers? _attendBuffers;
    private KvCache? _attendCache;
    private int _attendLayer;
    private Action<int>? _attendBody;

    /// <summary>Online-softmax attention of every (row, kv head) group of query heads, in parallel.</summary>
    private void Attend(DecodeBuffers b, KvCache cache, int layer, int rows)
    {
        _attendBuffers = b;
        _attendCache = cache;
        _attendLayer = layer;
        _attendBody ??= AttendOne;
        Parallel.For(0, rows * Config.NumKeyValueHeads, _attendBody);
    }

    private void AttendOne(int item)
    {
        var c = Config;
        var b = _attendBuffers!;
        int hkv = c.NumKeyValueHeads, hd = c.HeadDim, q = c.QDim, qkvWidth = q + 2 * c.KvDim;
        int groupWidth = c.NumAttentionHeads / hkv * hd;
        int r = item / hkv, kvHead = item % hkv;
        var queries = new ReadOnlySpan<float>(b.Qkv, r * qkvWidth + kvHead * groupWidth, groupWidth);
        DecodeAttention.Group(_attendCache!, b.Slots[r], _attendLayer, kvHead, b.Positions[r] + 1, queries,
            b.Attention.AsSpan(r * q + kvHead * groupWidth, groupWidth), hd, DType);
    }
}
