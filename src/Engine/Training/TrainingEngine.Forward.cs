using Precision.Orleans.Abstractions;
using Precision.Orleans.Engine.Kernels;
using Precision.Orleans.Engine.Layers;
using Precision.Orleans.Engine.Model;
using Precision.Orleans.Engine.Numerics;

namespace Precision.Orleans.Engine.Training;

public sealed partial class TrainingEngine
{
    private float[] _computeWeights = [];
    private TrainingActivations? _activations;
    private TokenBatch? _forwardBatch;

    /// <summary>The buffers of the last forward/backward (tests inspect them).</summary>
    internal TrainingActivations? Activations => _activations;

    /// <summary>The weights the forward and backward read: <see cref="MasterWeights"/> rounded to the compute dtype (the same array in fp32).</summary>
    public ReadOnlySpan<float> ComputeWeights => _computeWeights;

    partial void InitializeCompute() => RefreshComputeWeights();

    /// <summary>
    /// Re-casts <see cref="MasterWeights"/> (and the LoRA adapters, if any) to the compute dtype (after an optimizer
    /// step, an external edit or a checkpoint load).
    /// </summary>
    public void RefreshComputeWeights()
    {
        RefreshAdapterComputeWeights();
        LoadExpertWeights();
        if (ComputeDType == DType.Fp32)
        {
            _computeWeights = MasterWeights;
            return;
        }
        if (_computeWeights.Length != MasterWeights.Length) _computeWeights = new float[MasterWeights.Length];
        // elementwise, so parallel chunks give the same values
        const int chunk = 1 << 16;
        int count = MasterWeights.Length;
        var master = MasterWeights;
        var compute = _computeWeights;
        var dtype = ComputeDType;
        ParallelRanges.For((count + chunk - 1) / chunk, 2L * chunk, (lo, hi) =>
        {
            int start = lo * chunk, end = (int)Math.Min(count, (long)hi * chunk);
            DTypeRounding.RoundCopy(master.AsSpan(start, end - start), compute.AsSpan(start, end - start), dtype);
        });
    }

    /// <summary>No-grad forward: [B·T·V] logits rounded to the compute dtype; row (b, t) predicts token t+1.</summary>
    public float[] ComputeLogits(TokenBatch batch)
    {
        var act = RunForward(batch);
        _forwardBatch = null;
        return act.Logits.AsSpan(0, batch.BatchSize * batch.SeqLen * Config.VocabSize).ToArray();
    }

    /// <summary>No-grad forward: [B·T] FP32 log p(tok[b,t] | tok[b,&lt;t]) for 1 ≤ t &lt; len, 0 at t = 0 and on padding.</summary>
    public float[] ComputeLogProbs(TokenBatch batch)
    {
        var act = RunForward(batch);
        _forwardBatch = null;
        return GatherLogProbs(batch, act);
    }

    /// <summary>Same result as <see cref="ComputeLogProbs"/>, keeping the activations for <see cref="Backward"/>.</summary>
    public float[] Forward(TokenBatch batch)
    {
        var act = RunForward(batch);
        _forwardBatch = batch;
        return GatherLogProbs(batch, act);
    }

    private static float[] GatherLogProbs(TokenBatch batch, TrainingActivations act)
    {
        int T = batch.SeqLen;
        var result = new float[batch.BatchSize * T];
        for (int b = 0; b < batch.BatchSize; b++)
            for (int t = 1; t < batch.Lengths[b]; t++)
                result[b * T + t] = act.LogProbsByRow[b * T + t - 1];
        return result;
    }

    /// <summary>
    /// y = x·Wᵀ (+ b) for the weight matrix at <paramref name="weight"/> [outF, inF] (bias offset -1: none). Every
    /// weight-matrix product of the model goes through this one method (and <see cref="LinearBackward"/>), so
    /// adapters such as LoRA hook in at one place.
    /// </summary>
    private void LinearForward(ReadOnlySpan<float> x, long weight, long bias, Span<float> y, int n, int outF, int inF)
    {
        Kernels.LinearForward(x, W(weight, (long)outF * inF), Bias(bias, outF), y, n, outF, inF, ComputeDType);
        if (Adapters is not null && Adapters.Layout.TryGetTarget(weight, out var target)) LoraForward(target, x, y, n);
    }

    private Span<float> W(long offset, long count) => _computeWeights.AsSpan((int)offset, (int)count);

    private Span<float> Bias(long offset, int count) => offset < 0 ? Span<float>.Empty : _computeWeights.AsSpan((int)offset, count);

    private TrainingActivations EnsureActivations(TokenBatch batch)
    {
        int B = batch.BatchSize, T = batch.SeqLen;
        var a = _activations;
        if (a is null || !a.Fits(B, T))
        {
            // Grow to cover both the old and the new shape, so alternating shapes settle on one allocation.
            int tokens = Math.Max(B * T, a?.CapacityTokens ?? 0);
            long bss = Math.Max((long)B * T * T, a?.CapacityBatchSeqSeq ?? 0);
            int seq = Math.Max(T, a?.CapacitySeqLen ?? 0);
            _activations = null; // let the old buffers go before allocating the new ones
            a = new TrainingActivations(Config, tokens, bss, seq);
            _activations = a;
        }
        if (a.UseShape(B, T))
            RopeLayer.BuildTables(T, Config.HeadDim, Config.RopeTheta, ComputeDType, a.RopeCos, a.RopeSin);
        return a;
    }

    private void ValidateBatch(TokenBatch batch)
    {
        for (int b = 0; b < batch.BatchSize; b++)
        {
            int len = batch.Lengths[b];
            if (len < 0 || len > batch.SeqLen) throw new ArgumentException($"row {b} has length {len}, outside [0, {batch.SeqLen}]");
        }
        if (batch.SeqLen > Config.MaxPositionEmbeddings)
            throw new ArgumentException($"sequence length {batch.SeqLen} exceeds max_position_embeddings {Config.MaxPositionEmbeddings}");
    }

    /// <summary>Forward passes run so far (with or without grad): tells which engine of a distributed run did a pass.</summary>
    public long ForwardPasses { get; private set; }

    private TrainingActivations RunForward(TokenBatch batch)
    {
        ValidateBatch(batch);
        ForwardPasses++;
        var act = EnsureActivations(batch);
        var c = Config;
        var dt = ComputeDType;
        int B = batch.BatchSize, T = batch.SeqLen, n = B * T, d = c.HiddenSize, inter = c.IntermediateSize, V = c.VocabSize;
        int qd = c.QDim, kvd = c.KvDim, hd = c.HeadDim;
        var L = Layout;

        for (int b = 0; b < B; b++)
            for (int t = 0; t < T; t++)
                act.Targets[b * T + t] = t + 1 < batch.Lengths[b] ? batch.Tokens[b * T + t + 1] : -1;

        Kernels.EmbeddingForward(batch.Tokens, W(L.Embedding, (long)V * d), act.Residual[0], V, d);
        var shape = new AttentionLayer.Shape(B, T, c.NumAttentionHeads, c.NumKeyValueHeads, c.HeadDim);
        var scratch = act.ProjScratch;
        for (int l = 0; l < c.NumHiddenLayers; l++)
        {
            var o = L.Layers[l];
            var a = act.Layers[l];
            var x = act.Residual[l];
            Kernels.RmsNormForward(x, W(o.InputNorm, d), a.Normed1, a.Norm1Out, a.Rstd1, n, d, c.RmsNormEps, dt);
            // qwen3: RMSNorm over head_dim of every q and k head (rows of width hd), after the projection, before RoPE.
            LinearForward(a.Norm1Out, o.QProj, o.QBias, c.HasQkNorm ? a.QProj : scratch, n, qd, d);
            if (c.HasQkNorm) Kernels.RmsNormForward(a.QProj, W(o.QNorm, hd), a.QNormed, scratch, a.QRstd, n * c.NumAttentionHeads, hd, c.RmsNormEps, dt);
            Kernels.RopeForward(scratch, a.QRotated, act.RopeCos, act.RopeSin, n, T, c.NumAttentionHeads, c.HeadDim, dt);
            LinearForward(a.Norm1Out, o.KProj, o.KBias, c.HasQkNorm ? a.KProj : scratch, n, kvd, d);
            if (c.HasQkNorm) Kernels.RmsNormForward(a.KProj, W(o.KNorm, hd), a.KNormed, scratch, a.KRstd, n * c.NumKeyValueHeads, hd, c.RmsNormEps, dt);
            Kernels.RopeForward(scratch, a.KRotated, act.RopeCos, act.RopeSin, n, T, c.NumKeyValueHeads, c.HeadDim, dt);
            LinearForward(a.Norm1Out, o.VProj, o.VBias, a.V, n, kvd, d);
            Kernels.AttentionForward(a.QRotated, a.KRotated, a.V, a.Probs32, a.AttnOut, shape, dt);
            LinearForward(a.AttnOut, o.OProj, -1, scratch, n, d, qd);
            Kernels.ResidualForward(x.AsSpan(0, n * d), scratch.AsSpan(0, n * d), a.Mid, dt);
            Kernels.RmsNormForward(a.Mid, W(o.PostAttentionNorm, d), a.Normed2, a.Norm2Out, a.Rstd2, n, d, c.RmsNormEps, dt);
            if (a.Moe is { } moe) MoeForward(l, o, moe, a.Norm2Out, scratch, n);
            else
            {
                LinearForward(a.Norm2Out, o.GateProj, -1, a.Gate, n, inter, d);
                LinearForward(a.Norm2Out, o.UpProj, -1, a.Up, n, inter, d);
                Kernels.SwiGluForward(a.Gate.AsSpan(0, n * inter), a.Up, a.Activated, a.Hidden, dt);
                LinearForward(a.Hidden, o.DownProj, -1, scratch, n, d, inter);
            }
            Kernels.ResidualForward(a.Mid.AsSpan(0, n * d), scratch.AsSpan(0, n * d), act.Residual[l + 1], dt);
        }
        Kernels.RmsNormForward(act.Residual[c.NumHiddenLayers], W(L.FinalNorm, d), act.FinalNormed, act.FinalOut, act.FinalRstd, n, d, c.RmsNormEps, dt);
        LinearForward(act.FinalOut, L.LmHead, -1, act.Logits, n, V, d);
        Kernels.TokenLogProbForward(act.Logits, act.Targets, act.LogProbsByRow, act.LogSumExp, n, V);
        RecordRouting(batch, act);
        return act;
    }
}
