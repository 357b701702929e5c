using Precision.Orleans.Engine.Model;

namespace Precision.Orleans.Engine.Training;

/// <summary>What the last forward routed (the routing-mismatch metric's training side) and the load-balancing loss.</summary>
public sealed partial class TrainingEngine
{
    /// <summary>
    /// After <see cref="Forward"/>, <see cref="ComputeLogProbs"/> or <see cref="ComputeLogits"/> of an MoE model: one
    /// record per batch row, <see cref="ExpertRouting.Positions"/> = that row's length, the sorted top-k set of every
    /// sparse layer at every real position. Null for dense models.
    /// </summary>
    public IReadOnlyList<ExpertRouting>? LastRouting { get; private set; }

    /// <summary>
    /// The last forward's Switch-Transformer load-balancing loss E·Σ_e f_e·P_e over the real tokens of all sparse
    /// layers (HF load_balancing_loss_func with an attention mask: f_e = tokens whose top-k holds e / tokens, P_e = mean
    /// router probability of e), whether or not it is trained on; 1·k when perfectly balanced. Null for dense models.
    /// </summary>
    public float? LastLoadBalancingLoss { get; private set; }

    /// <summary>
    /// The term <see cref="Backward"/> adds to the loss: <see cref="TrainingOptions.RouterAuxLossCoef"/> ×
    /// <see cref="LastLoadBalancingLoss"/>; null when the option is off or the model is dense. Trainers log it.
    /// </summary>
    public float? LastAuxLoss { get; private set; }

    private void RecordRouting(TokenBatch batch, TrainingActivations act)
    {
        var c = Config;
        if (!c.IsMoe)
        {
            LastRouting = null;
            LastLoadBalancingLoss = LastAuxLoss = null;
            return;
        }
        int B = batch.BatchSize, T = batch.SeqLen, k = c.NumExpertsPerToken, experts = c.NumExperts;
        var sparse = act.Layers.Where(a => a.Moe is not null).Select(a => a.Moe!).ToArray();
        var routing = new ExpertRouting[B];
        for (int b = 0; b < B; b++)
        {
            int len = batch.Lengths[b];
            for (int t = 0; t < T; t++) act.RowValid[b * T + t] = t < len ? 1f : 0f;
            var r = new ExpertRouting(sparse.Length, k, len);
            for (int i = 0; i < sparse.Length; i++)
                for (int t = 0; t < len; t++)
                {
                    var set = r.At(i, t);
                    sparse[i].TopExperts.AsSpan((b * T + t) * k, k).CopyTo(set);
                    set.Sort();
                }
            routing[b] = r;
        }
        LastRouting = routing;

        // One f and one P over all sparse layers' real tokens together (HF concatenates the layers' router logits).
        var counts = new double[experts];
        var probSums = new double[experts];
        double tokens = 0;
        foreach (var m in sparse)
            for (int row = 0; row < B * T; row++)
            {
                if (act.RowValid[row] == 0f) continue;
                tokens++;
                for (int s = 0; s < k; s++) counts[m.TopExperts[row * k + s]]++;
                for (int e = 0; e < experts; e++) probSums[e] += m.Probs32[row * experts + e];
            }
        double balance = 0;
        if (tokens > 0)
            for (int e = 0; e < experts; e++) balance += counts[e] / tokens * (probSums[e] / tokens);
        balance *= experts;
        LastLoadBalancingLoss = (float)balance;

        float? coef = Options.RouterAuxLossCoef;
        LastAuxLoss = coef is { } w ? (float)(w * balance) : null;
        // f_e is piecewise constant in the weights, so d(coef·E·Σ f_e·P_e)/dp_{t,e} = coef·E·f_e/N for every real token.
        for (int e = 0; e < experts; e++)
            act.AuxGradient[e] = coef is { } cw && tokens > 0 ? (float)(cw * experts * (counts[e] / tokens) / tokens) : 0f;
    }

    /// <summary>The load-balancing gradient on the router probabilities times the loss scale; empty when off.</summary>
    private float[] ScaledAuxGradient(TrainingActivations act, float scale)
    {
        if (!Config.IsMoe || Options.RouterAuxLossCoef is null) return [];
        var g = new float[act.AuxGradient.Length];
        for (int e = 0; e < g.Length; e++) g[e] = act.AuxGradient[e] * scale;
        return g;
    }
}
