using Precision.Orleans.Engine.Model;

namespace Precision.Orleans.Engine.Tests.Reference;

/// <summary>
/// The whole Qwen2/Llama/Qwen3/Qwen3-MoE decoder in FP64, composed from <see cref="Fp64Reference"/> layers, reading a parameter vector in
/// <see cref="ParameterLayout"/> order. Position t's log-prob is log p(tok[t] | tok[&lt;t]) from the logits of position t−1.
/// </summary>
public static class Fp64ReferenceModel
{
    public static double[] LogProbs(ModelConfig c, ParameterLayout layout, double[] p, int[] tokens, int batch, int seqLen, int[] lengths) =>
        LogProbs(c, layout, p, tokens, batch, seqLen, lengths, out _);

    /// <summary>Also returns each sparse layer's routing (qwen3_moe), in layer order.</summary>
    public static double[] LogProbs(ModelConfig c, ParameterLayout layout, double[] p, int[] tokens, int batch, int seqLen, int[] lengths,
        out List<Fp64MoeReference.Routing> routing)
    {
        routing = [];
        int n = batch * seqLen, d = c.HiddenSize, inter = c.IntermediateSize, V = c.VocabSize, qd = c.QDim, kvd = c.KvDim, hd = c.HeadDim;
        double[] Slice(long offset, long count) => offset < 0 ? null! : p.AsSpan((int)offset, (int)count).ToArray();
        double[]? Bias(long offset, int count) => offset < 0 ? null : Slice(offset, count);

        var x = Fp64Reference.Embedding(tokens, Slice(layout.Embedding, (long)V * d), d);
        foreach (var o in layout.Layers)
        {
            var h = Fp64Reference.RmsNorm(x, Slice(o.InputNorm, d), n, d, c.RmsNormEps);
            var q = Fp64Reference.Linear(h, Slice(o.QProj, (long)qd * d), Bias(o.QBias, qd), n, qd, d);
            var k = Fp64Reference.Linear(h, Slice(o.KProj, (long)kvd * d), Bias(o.KBias, kvd), n, kvd, d);
            if (c.HasQkNorm)
            {
                // qwen3: every head normalised over head_dim before RoPE
                q = Fp64Reference.RmsNorm(q, Slice(o.QNorm, hd), n * c.NumAttentionHeads, hd, c.RmsNormEps);
                k = Fp64Reference.RmsNorm(k, Slice(o.KNorm, hd), n * c.NumKeyValueHeads, hd, c.RmsNormEps);
            }
            q = Fp64Reference.Rope(q, n, seqLen, c.NumAttentionHeads, hd, c.RopeTheta);
            k = Fp64Reference.Rope(k, n, seqLen, c.NumKeyValueHeads, hd, c.RopeTheta);
            var v = Fp64Reference.Linear(h, Slice(o.VProj, (long)kvd * d), Bias(o.VBias, kvd), n, kvd, d);
            var att = Fp64Reference.Attention(q, k, v, batch, seqLen, c.NumAttentionHeads, c.NumKeyValueHeads, hd);
            x = Fp64Reference.Add(x, Fp64Reference.Linear(att, Slice(o.OProj, (long)d * qd), null, n, d, qd));
            var h2 = Fp64Reference.RmsNorm(x, Slice(o.PostAttentionNorm, d), n, d, c.RmsNormEps);
            if (o.IsSparse)
            {
                int moe = c.MoeIntermediateSize;
                var experts = o.Experts.Select(e => new Fp64MoeReference.Expert(Slice(e.GateProj, (long)moe * d), Slice(e.UpProj, (long)moe * d), Slice(e.DownProj, (long)d * moe))).ToList();
                x = Fp64Reference.Add(x, Fp64MoeReference.Block(h2, Slice(o.Router, (long)c.NumExperts * d), experts, n, d, c.NumExpertsPerToken, moe, c.NormTopKProb, out var r));
                routing.Add(r);
                continue;
            }
            var g = Fp64Reference.Linear(h2, Slice(o.GateProj, (long)inter * d), null, n, inter, d);
            var u = Fp64Reference.Linear(h2, Slice(o.UpProj, (long)inter * d), null, n, inter, d);
            x = Fp64Reference.Add(x, Fp64Reference.Linear(Fp64Reference.SwiGlu(g, u), Slice(o.DownProj, (long)d * inter), null, n, d, inter));
        }
        var hf = Fp64Reference.RmsNorm(x, Slice(layout.FinalNorm, d), n, d, c.RmsNormEps);
        var logits = Fp64Reference.Linear(hf, Slice(layout.LmHead, (long)V * d), null, n, V, d);
        var targets = new int[n];
        for (int b = 0; b < batch; b++)
            for (int t = 0; t < seqLen; t++)
                targets[b * seqLen + t] = t + 1 < lengths[b] ? tokens[b * seqLen + t + 1] : -1;
        var byRow = Fp64Reference.TokenLogProbs(logits, targets, n, V);
        var result = new double[n];
        for (int b = 0; b < batch; b++)
            for (int t = 1; t < lengths[b]; t++) result[b * seqLen + t] = byRow[b * seqLen + t - 1];
        return result;
    }

    /// <summary>Mean negative log-likelihood over the mask: −Σ mask·logp / Σ mask.</summary>
    public static double Loss(ModelConfig c, ParameterLayout layout, double[] p, int[] tokens, int batch, int seqLen, int[] lengths, float[] mask) =>
        Loss(c, layout, p, tokens, batch, seqLen, lengths, mask, 0, out _);

    /// <summary>The masked NLL plus <paramref name="auxCoef"/> × the load-balancing loss over the real tokens of all sparse layers.</summary>
    public static double Loss(ModelConfig c, ParameterLayout layout, double[] p, int[] tokens, int batch, int seqLen, int[] lengths, float[] mask,
        double auxCoef, out List<Fp64MoeReference.Routing> routing)
    {
        var logp = LogProbs(c, layout, p, tokens, batch, seqLen, lengths, out routing);
        double s = 0, m = 0;
        for (int i = 0; i < logp.Length; i++) { s += mask[i] * logp[i]; m += mask[i]; }
        double loss = -s / m;
        if (auxCoef != 0)
        {
            var rows = Enumerable.Range(0, batch * seqLen).Where(r => r % seqLen < lengths[r / seqLen]).ToList();
            loss += auxCoef * Fp64MoeReference.LoadBalancingLoss(routing, rows, c.NumExperts, c.NumExpertsPerToken);
        }
        return loss;
    }
}
