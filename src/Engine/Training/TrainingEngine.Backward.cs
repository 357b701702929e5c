using System.Numerics.Tensors;
using Precision.Orleans.Engine.Layers;

namespace Precision.Orleans.Engine.Training;

public sealed partial class TrainingEngine
{
    /// <summary>True from the first <see cref="Backward"/> after a zeroing until the next: later backwards are added as a whole.</summary>
    private bool _gradientsHeld;

    /// <summary>Where the running <see cref="Backward"/> writes: the trained gradients, or a zeroed scratch while they hold a sum.</summary>
    private float[] _backwardGradients = [];

    private float[] _backwardScratch = [];

    /// <summary>Sets <see cref="Gradients"/> to zero.</summary>
    public void ZeroGradients()
    {
        Array.Clear(Gradients);
        if (Adapters is not null) Array.Clear(Adapters.Gradients);
        _gradientsHeld = false;
    }

    /// <summary>
    /// Backpropagates dLoss/dlogp [B·T] through the last <see cref="Forward"/>, multiplied by the loss scale, in the
    /// compute dtype; weight gradients are ADDED to <see cref="Gradients"/> (FP32, still scaled) the way PyTorch's
    /// AccumulateGrad adds them: this backward's whole gradient g is formed first (in place when the buffer is zero,
    /// else in a zeroed scratch) and then added, <c>grad += g</c>. So micro-batch gradients accumulate as
    /// ((g₀ + g₁) + g₂)…, element by element — the sum a data-parallel shard reproduces bit for bit from per-micro-batch
    /// gradients computed elsewhere (see <c>Engine.Distributed</c>). For MoE models with
    /// <see cref="TrainingOptions.RouterAuxLossCoef"/> set, the load-balancing loss (<see cref="LastAuxLoss"/>) is part
    /// of the loss whose gradient this adds.
    /// </summary>
    public void Backward(ReadOnlySpan<float> dLogProbs)
    {
        var batch = _forwardBatch ?? throw new InvalidOperationException("Backward needs a Forward first (ComputeLogits/ComputeLogProbs keep no activations)");
        var act = _activations!;
        var c = Config;
        var dt = ComputeDType;
        int B = batch.BatchSize, T = batch.SeqLen, n = B * T, d = c.HiddenSize, inter = c.IntermediateSize, V = c.VocabSize;
        int qd = c.QDim, kvd = c.KvDim;
        if (dLogProbs.Length != n) throw new ArgumentException($"dLogProbs has {dLogProbs.Length} entries, the batch has B*T={n} positions");
        var L = Layout;
        float scale = LossScaler.Scale;
        var trained = TrainedGradients;
        bool accumulate = _gradientsHeld && trained.Length > 0;
        if (accumulate)
        {
            if (_backwardScratch.Length != trained.Length) _backwardScratch = new float[trained.Length];
            else Array.Clear(_backwardScratch);
            _backwardGradients = _backwardScratch;
        }
        else _backwardGradients = trained;

        // logp[b,t] lives on logits row (b, t−1); rows with no target get 0.
        var dRow = act.DLogProbsScaled;
        Array.Clear(dRow);
        for (int b = 0; b < B; b++)
            for (int t = 1; t < batch.Lengths[b]; t++)
                dRow[b * T + t - 1] = dLogProbs[b * T + t] * scale;

        // dlogits overwrite the logits: the forward's logits are not needed past this point.
        Kernels.TokenLogProbBackward(dRow, act.Logits, act.LogSumExp, act.Targets, act.Logits, n, V, dt);
        LinearBackward(act.Logits, act.FinalOut, L.LmHead, -1, act.DNorm, n, V, d, false);
        var dR = act.DResidual;
        Kernels.RmsNormBackward(act.DNorm, act.Residual[c.NumHiddenLayers], act.FinalNormed, act.FinalRstd, W(L.FinalNorm, d),
            dR, G(L.FinalNorm, d), n, d, dt, accumulateInput: false);
        var shape = new AttentionLayer.Shape(B, T, c.NumAttentionHeads, c.NumKeyValueHeads, c.HeadDim);
        int hd = c.HeadDim;
        var auxGradient = ScaledAuxGradient(act, scale);
        _expertExecutor?.ZeroGradients();

        for (int l = c.NumHiddenLayers - 1; l >= 0; l--)
        {
            var o = L.Layers[l];
            var a = act.Layers[l];
            // MLP branch: dR is the gradient of the layer output, which flows unchanged into both residual inputs.
            if (a.Moe is { } moe) MoeBackward(l, o, moe, act.Moe!, dR, a.Norm2Out, act.DNorm, n, auxGradient, act.RowValid);
            else
            {
                LinearBackward(dR, a.Hidden, o.DownProj, -1, act.DHidden, n, d, inter, false);
                Kernels.SwiGluBackward(act.DHidden, a.Gate.AsSpan(0, n * inter), a.Up, a.Activated, act.DGate, act.DUp, dt);
                LinearBackward(act.DUp, a.Norm2Out, o.UpProj, -1, act.DNorm, n, inter, d, false);
                LinearBackward(act.DGate, a.Norm2Out, o.GateProj, -1, act.DNorm, n, inter, d, true);
            }
            Kernels.RmsNormBackward(act.DNorm, a.Mid, a.Normed2, a.Rstd2, W(o.PostAttentionNorm, d), dR, G(o.PostAttentionNorm, d), n, d, dt, accumulateInput: true);

            // Attention branch.
            LinearBackward(dR, a.AttnOut, o.OProj, -1, act.DAttnOut, n, d, qd, false);
            Kernels.AttentionBackward(act.DAttnOut, a.QRotated, a.KRotated, a.V, a.Probs32, act.DQRotated, act.DKRotated, act.DV, shape, dt);
            Kernels.RopeBackward(act.DQRotated, act.DQ, act.RopeCos, act.RopeSin, n, T, c.NumAttentionHeads, c.HeadDim, dt);
            Kernels.RopeBackward(act.DKRotated, act.DK, act.RopeCos, act.RopeSin, n, T, c.NumKeyValueHeads, c.HeadDim, dt);
            float[] dq = act.DQ, dk = act.DK;
            if (c.HasQkNorm)
            {
                // The rotated-gradient buffers are free again: they receive the gradients of the q/k projections.
                Kernels.RmsNormBackward(act.DQ, a.QProj, a.QNormed, a.QRstd, W(o.QNorm, hd), act.DQRotated, G(o.QNorm, hd),
                    n * c.NumAttentionHeads, hd, dt, accumulateInput: false);
                Kernels.RmsNormBackward(act.DK, a.KProj, a.KNormed, a.KRstd, W(o.KNorm, hd), act.DKRotated, G(o.KNorm, hd),
                    n * c.NumKeyValueHeads, hd, dt, accumulateInput: false);
                (dq, dk) = (act.DQRotated, act.DKRotated);
            }
            LinearBackward(dq, a.Norm1Out, o.QProj, o.QBias, act.DNorm, n, qd, d, false);
            LinearBackward(dk, a.Norm1Out, o.KProj, o.KBias, act.DNorm, n, kvd, d, true);
            LinearBackward(act.DV, a.Norm1Out, o.VProj, o.VBias, act.DNorm, n, kvd, d, true);
            Kernels.RmsNormBackward(act.DNorm, act.Residual[l], a.Normed1, a.Rstd1, W(o.InputNorm, d), dR, G(o.InputNorm, d), n, d, dt, accumulateInput: true);
        }
        // With tied embeddings this lands in the same FP32 slot as the LM head's gradient: each use's gradient is
        // rounded to the dtype and the two are summed in FP32, as autocast does with FP32 parameters (an FSDP
        // bf16-parameter setup would sum them in the dtype instead).
        // A LoRA run freezes the embedding: its gradient is not needed.
        if (Adapters is null) Kernels.EmbeddingBackward(batch.Tokens, dR, G(L.Embedding, (long)V * d), d, dt);
        // Each expert's weight gradient of this backward was formed on its owner from zero, as it would have been here.
        _expertExecutor?.WriteGradients(L, _backwardGradients);
        if (accumulate) TensorPrimitives.Add(trained, _backwardScratch, trained);
        _backwardGradients = trained;
        _gradientsHeld = true;
        // The logits buffer now holds gradients: a second Backward would need a new Forward.
        _forwardBatch = null;
    }

    /// <summary>
    /// dx = dy·W (added to dx when <paramref name="accumulateInput"/>), dW += dyᵀ·x, db += Σ dy: the backward of
    /// <see cref="LinearForward"/>, and likewise the single place adapters hook into.
    /// </summary>
    private void LinearBackward(ReadOnlySpan<float> dy, ReadOnlySpan<float> x, long weight, long bias, Span<float> dx,
        int n, int outF, int inF, bool accumulateInput)
    {
        if (Adapters is null)
        {
            Kernels.LinearBackward(dy, x, W(weight, (long)outF * inF), dx, G(weight, (long)outF * inF), GBias(bias, outF),
                n, outF, inF, ComputeDType, accumulateInput);
            return;
        }
        // Frozen base: input gradient only (empty dWeight/dBias skip those GEMMs), then the adapter path.
        Kernels.LinearBackward(dy, x, W(weight, (long)outF * inF), dx, Span<float>.Empty, Span<float>.Empty,
            n, outF, inF, ComputeDType, accumulateInput);
        if (Adapters.Layout.TryGetTarget(weight, out var target)) LoraBackward(target, dy, x, dx, n);
    }

    /// <summary>The gradient slot of a parameter; in a LoRA run (frozen base) a discarded scratch (norm weights only).</summary>
    private Span<float> G(long offset, long count) =>
        Adapters is null ? _backwardGradients.AsSpan((int)offset, (int)count) : FrozenGradientScratch((int)count);

    private Span<float> GBias(long offset, int count) =>
        offset < 0 || Adapters is not null ? Span<float>.Empty : _backwardGradients.AsSpan((int)offset, count);
}
