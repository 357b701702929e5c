using Precision.Orleans.Engine.Model;
using Precision.Orleans.Engine.Tests.Reference;

namespace Precision.Orleans.Engine.Tests.Rollout;

/// <summary>
/// FP64 forward of one qwen3 / qwen3_moe sequence written from the maths (HF Qwen3 attention: per-head RMSNorm of q
/// and k before RoPE; Qwen3-MoE block: softmax router, top-k, optional renormalisation, Σ weight·SwiGLU expert),
/// composed from <see cref="Fp64Reference"/> layers. Gives every position's log-prob and, per MoE layer, the
/// router probabilities of every position (so a test can tell a clear top-k choice from a near tie).
/// </summary>
internal static class Fp64Qwen3Reference
{
    public sealed record Result(double[] LogProbs, List<double[]> RouterProbs);

    public static Result Forward(ModelConfig c, float[] weights, int[] tokens)
    {
        var layout = new ParameterLayout(c);
        int n = tokens.Length, d = c.HiddenSize, V = c.VocabSize, qd = c.QDim, kvd = c.KvDim, hd = c.HeadDim, inter = c.IntermediateSize;
        double[] Slice(long offset, long count) => [.. weights.AsSpan((int)offset, (int)count).ToArray().Select(v => (double)v)];
        double[]? Bias(long offset, int count) => offset < 0 ? null : Slice(offset, count);
        var routerProbs = new List<double[]>();

        var x = Fp64Reference.Embedding(tokens, Slice(layout.Embedding, (long)V * d), d);
        foreach (var o in layout.Layers)
        {
            var h = Fp64Reference.RmsNorm(x, Slice(o.InputNorm, d), n, d, c.RmsNormEps);
            var q = Fp64Reference.Linear(h, Slice(o.QProj, (long)qd * d), Bias(o.QBias, qd), n, qd, d);
            var k = Fp64Reference.Linear(h, Slice(o.KProj, (long)kvd * d), Bias(o.KBias, kvd), n, kvd, d);
            if (c.HasQkNorm)
            {
                // Each head is its own RMSNorm row of width head_dim.
                q = Fp64Reference.RmsNorm(q, Slice(o.QNorm, hd), n * c.NumAttentionHeads, hd, c.RmsNormEps);
                k = Fp64Reference.RmsNorm(k, Slice(o.KNorm, hd), n * c.NumKeyValueHeads, hd, c.RmsNormEps);
            }
            q = Fp64Reference.Rope(q, n, n, c.NumAttentionHeads, hd, c.RopeTheta);
            k = Fp64Reference.Rope(k, n, n, c.NumKeyValueHeads, hd, c.RopeTheta);
            var v = Fp64Reference.Linear(h, Slice(o.VProj, (long)kvd * d), Bias(o.VBias, kvd), n, kvd, d);
            var att = Fp64Reference.Attention(q, k, v, 1, n, c.NumAttentionHeads, c.NumKeyValueHeads, hd);
            x = Fp64Reference.Add(x, Fp64Reference.Linear(att, Slice(o.OProj, (long)d * qd), null, n, d, qd));
            var h2 = Fp64Reference.RmsNorm(x, Slice(o.PostAttentionNorm, d), n, d, c.RmsNormEps);
            double[] mlp;
            if (o.IsSparse)
            {
                var (y, probs) = MoeBlock(c, o, Slice, h2, n);
                routerProbs.Add(probs);
                mlp = y;
            }
            else
            {
                var g = Fp64Reference.Linear(h2, Slice(o.GateProj, (long)inter * d), null, n, inter, d);
                var u = Fp64Reference.Linear(h2, Slice(o.UpProj, (long)inter * d), null, n, inter, d);
                mlp = Fp64Reference.Linear(Fp64Reference.SwiGlu(g, u), Slice(o.DownProj, (long)d * inter), null, n, d, inter);
            }
            x = Fp64Reference.Add(x, mlp);
        }
        var hf = Fp64Reference.RmsNorm(x, Slice(layout.FinalNorm, d), n, d, c.RmsNormEps);
        var logits = Fp64Reference.Linear(hf, Slice(layout.LmHead, (long)V * d), null, n, V, d);
        var targets = new int[n];
        for (int t = 0; t < n; t++) targets[t] = t + 1 < n ? tokens[t + 1] : -1;
        var byRow = Fp64Reference.TokenLogProbs(logits, targets, n, V);
        var logProbs = new double[n];
        for (int t = 1; t < n; t++) logProbs[t] = byRow[t - 1];
        return new Result(logProbs, routerProbs);
    }

    private static (double[] Y, double[] Probs) MoeBlock(ModelConfig c, LayerOffsets o, Func<long, long, double[]> slice, double[] h, int n)
    {
        int d = c.HiddenSize, E = c.NumExperts, K = c.NumExpertsPerToken, m = c.MoeIntermediateSize;
        var logits = Fp64Reference.Linear(h, slice(o.Router, (long)E * d), null, n, E, d);
        var probs = new double[n * E];
        var y = new double[n * d];
        for (int t = 0; t < n; t++)
        {
            var row = logits.AsSpan(t * E, E);
            double max = double.NegativeInfinity;
            foreach (double l in row) max = Math.Max(max, l);
            double sum = 0;
            for (int e = 0; e < E; e++) sum += Math.Exp(row[e] - max);
            for (int e = 0; e < E; e++) probs[t * E + e] = Math.Exp(row[e] - max) / sum;
            var top = TopK(probs.AsSpan(t * E, E), K);
            double chosen = top.Sum(e => probs[t * E + e]);
            var xt = h.AsSpan(t * d, d).ToArray();
            foreach (int e in top)
            {
                double weight = probs[t * E + e] / (c.NormTopKProb ? chosen : 1);
                var ex = o.Experts[e];
                var g = Fp64Reference.Linear(xt, slice(ex.GateProj, (long)m * d), null, 1, m, d);
                var u = Fp64Reference.Linear(xt, slice(ex.UpProj, (long)m * d), null, 1, m, d);
                var out_ = Fp64Reference.Linear(Fp64Reference.SwiGlu(g, u), slice(ex.DownProj, (long)d * m), null, 1, d, m);
                for (int i = 0; i < d; i++) y[t * d + i] += weight * out_[i];
            }
        }
        return (y, probs);
    }

    /// <summary>Indices of the k largest values, sorted ascending (the routing record's set order).</summary>
    public static int[] TopK(ReadOnlySpan<double> probs, int k)
    {
        var order = Enumerable.Range(0, probs.Length).ToArray();
        var copy = probs.ToArray();
        Array.Sort(order, (a, b) => copy[b].CompareTo(copy[a]) is var cmp && cmp != 0 ? cmp : a.CompareTo(b));
        return [.. order.Take(k).Order()];
    }

    /// <summary>Gap between the k-th and (k+1)-th largest probability: how far the top-k set is from flipping.</summary>
    public static double Margin(ReadOnlySpan<double> probs, int k)
    {
        var sorted = probs.ToArray().OrderDescending().ToArray();
        return k < sorted.Length ? sorted[k - 1] - sorted[k] : double.PositiveInfinity;
    }
}
