using Precision.Orleans.RL.Algorithms;

namespace Precision.Orleans.RL.Tests.Algorithms;

/// <summary>One response token of a hand-written test case, given by its ratios rather than its log-probs.</summary>
/// <param name="R">r = π_θ/π_θ' at this token.</param>
/// <param name="Rho">π_θ'/μ at this token (so π_θ/μ = R·Rho).</param>
internal readonly record struct Tok(double R, double Rho);

/// <summary>One sequence: a number of prompt positions, its response tokens, then padding up to SeqLen.</summary>
internal sealed record Seq(double Advantage, int PromptPositions, params Tok[] Tokens);

/// <summary>Builds <see cref="PolicyLossInputs"/> for tests, with junk log-probs on every masked-out position.</summary>
internal static class LossFixture
{
    /// <summary>log π_θ' of every response token; the other two log-probs follow from the ratios.</summary>
    public const double OldLogProb = -1.0;

    public static PolicyLossInputs Build(int seqLen, IReadOnlyList<Seq> seqs, int maxResponseLength = 8, AggregationNormalizers? normalizers = null)
    {
        int n = seqs.Count;
        var logp = new float[n * seqLen];
        var old = new float[n * seqLen];
        var mu = new float[n * seqLen];
        var mask = new float[n * seqLen];
        var adv = new float[n];
        for (int i = 0; i < n; i++)
        {
            adv[i] = (float)seqs[i].Advantage;
            for (int t = 0; t < seqLen; t++)
            {
                int k = i * seqLen + t;
                int r = t - seqs[i].PromptPositions;
                if (r >= 0 && r < seqs[i].Tokens.Length)
                {
                    var tok = seqs[i].Tokens[r];
                    mask[k] = 1;
                    old[k] = (float)OldLogProb;
                    logp[k] = (float)(OldLogProb + Math.Log(tok.R));
                    mu[k] = (float)(OldLogProb - Math.Log(tok.Rho));
                }
                else
                {
                    // Junk that would dominate any sum it leaked into.
                    logp[k] = -3f + t;
                    old[k] = -9f - t;
                    mu[k] = -20f;
                }
            }
        }
        return new PolicyLossInputs
        {
            Sequences = n,
            SeqLen = seqLen,
            LogProbs = logp,
            OldLogProbs = old,
            RolloutLogProbs = mu,
            Mask = mask,
            Advantages = adv,
            Normalizers = normalizers ?? AggregationNormalizers.For(mask, n, seqLen, maxResponseLength),
        };
    }

    /// <summary>A copy of <paramref name="inputs"/> with log π_θ replaced.</summary>
    public static PolicyLossInputs WithLogProbs(PolicyLossInputs inputs, float[] logProbs) => new()
    {
        Sequences = inputs.Sequences,
        SeqLen = inputs.SeqLen,
        LogProbs = logProbs,
        OldLogProbs = inputs.OldLogProbs,
        RolloutLogProbs = inputs.RolloutLogProbs,
        Mask = inputs.Mask,
        Advantages = inputs.Advantages,
        Normalizers = inputs.Normalizers,
    };

    /// <summary>Sequences [from, from+count) of <paramref name="inputs"/>, keeping its (whole-batch) normalisers.</summary>
    public static PolicyLossInputs Slice(PolicyLossInputs inputs, int from, int count)
    {
        int t = inputs.SeqLen;
        float[] Cut(float[] a) => a.AsSpan(from * t, count * t).ToArray();
        return new PolicyLossInputs
        {
            Sequences = count,
            SeqLen = t,
            LogProbs = Cut(inputs.LogProbs),
            OldLogProbs = inputs.OldLogProbs is null ? null : Cut(inputs.OldLogProbs),
            RolloutLogProbs = Cut(inputs.RolloutLogProbs),
            Mask = Cut(inputs.Mask),
            Advantages = inputs.Advantages.AsSpan(from, count).ToArray(),
            Normalizers = inputs.Normalizers,
        };
    }

    /// <summary>
    /// Random inputs: 3 sequences of 6 positions (prompt of 1–2, response of 2–4, the rest padding), log-ratios
    /// small enough to stay well inside clip ranges unless <paramref name="spread"/> is large.
    /// </summary>
    public static PolicyLossInputs Random(int seed, double spread, int sequences = 3, int seqLen = 6)
    {
        var rng = new System.Random(seed);
        var seqs = new List<Seq>();
        for (int i = 0; i < sequences; i++)
        {
            int prompt = 1 + rng.Next(2);
            int len = 2 + rng.Next(Math.Min(3, seqLen - prompt - 1));
            var toks = new Tok[len];
            for (int j = 0; j < len; j++)
                toks[j] = new Tok(Math.Exp(spread * (2 * rng.NextDouble() - 1)), Math.Exp(spread * (2 * rng.NextDouble() - 1)));
            double adv = Math.Round(2 * rng.NextDouble() - 1, 3);
            seqs.Add(new Seq(adv == 0 ? 0.5 : adv, prompt, toks));
        }
        return Build(seqLen, seqs, maxResponseLength: 10);
    }
}
