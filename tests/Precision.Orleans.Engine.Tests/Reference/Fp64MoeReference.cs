namespace Precision.Orleans.Engine.Tests.Reference;

/// <summary>
/// The Qwen3-MoE sparse block in FP64, written from its definition: p = softmax(x·W_gateᵀ), the k most probable experts
/// (ties to the lower index), weights p_e (÷ their sum when renormalised), y = Σ weight·down(silu(gate(x))·up(x)).
/// Also the Switch-Transformer load-balancing loss. Top-k is piecewise: <see cref="Routing.MinMargin"/> is the smallest
/// gap between a token's k-th and (k+1)-th probability, which a finite-difference test must keep far above its step.
/// </summary>
public static class Fp64MoeReference
{
    public sealed record Routing(int[] TopExperts, double[] Probs, double MinMargin);

    public sealed record Expert(double[] Gate, double[] Up, double[] Down);

    public static double[] Block(double[] x, double[] router, IReadOnlyList<Expert> experts, int n, int d, int k, int moe, bool normTopK, out Routing routing)
    {
        int e = experts.Count;
        var logits = Fp64Reference.Linear(x, router, null, n, e, d);
        var probs = new double[n * e];
        var top = new int[n * k];
        double minMargin = double.PositiveInfinity;
        var y = new double[n * d];
        for (int t = 0; t < n; t++)
        {
            double max = double.NegativeInfinity;
            for (int j = 0; j < e; j++) max = Math.Max(max, logits[t * e + j]);
            double sum = 0;
            for (int j = 0; j < e; j++) sum += Math.Exp(logits[t * e + j] - max);
            for (int j = 0; j < e; j++) probs[t * e + j] = Math.Exp(logits[t * e + j] - max) / sum;
            var order = Enumerable.Range(0, e).OrderByDescending(j => probs[t * e + j]).ThenBy(j => j).ToArray();
            if (k < e) minMargin = Math.Min(minMargin, probs[t * e + order[k - 1]] - probs[t * e + order[k]]);
            double chosen = 0;
            for (int s = 0; s < k; s++) chosen += probs[t * e + order[s]];
            var xt = x.AsSpan(t * d, d).ToArray();
            for (int s = 0; s < k; s++)
            {
                int ex = order[s];
                top[t * k + s] = ex;
                double w = probs[t * e + ex] / (normTopK ? chosen : 1.0);
                var g = Fp64Reference.Linear(xt, experts[ex].Gate, null, 1, moe, d);
                var u = Fp64Reference.Linear(xt, experts[ex].Up, null, 1, moe, d);
                var o = Fp64Reference.Linear(Fp64Reference.SwiGlu(g, u), experts[ex].Down, null, 1, d, moe);
                for (int i = 0; i < d; i++) y[t * d + i] += w * o[i];
            }
        }
        routing = new Routing(top, probs, minMargin);
        return y;
    }

    /// <summary>
    /// E·Σ_e f_e·P_e over the given (layer, token) rows together: f_e = rows whose top-k holds e / rows, P_e = mean of
    /// p_e (HF load_balancing_loss_func; its value is k when perfectly balanced).
    /// </summary>
    public static double LoadBalancingLoss(IReadOnlyList<Routing> layers, IReadOnlyList<int> rows, int experts, int k)
    {
        var counts = new double[experts];
        var probs = new double[experts];
        double n = 0;
        foreach (var r in layers)
            foreach (int t in rows)
            {
                n++;
                for (int s = 0; s < k; s++) counts[r.TopExperts[t * k + s]]++;
                for (int e = 0; e < experts; e++) probs[e] += r.Probs[t * experts + e];
            }
        double loss = 0;
        for (int e = 0; e < experts; e++) loss += counts[e] / n * (probs[e] / n);
        return experts * loss;
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
