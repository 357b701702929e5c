using Xunit;
using Precision.Orleans.RL.Algorithms;

namespace Precision.Orleans.RL.Tests.Algorithms;

/// <summary>
/// For every algorithm × aggregation mode, DLogProbs against a central finite difference of Loss in double, at every
/// position (masked ones included, where both must be 0). Inputs are drawn so that no clip or C boundary lies within
/// the step; some tokens do lie beyond a boundary, so the zero-gradient branches are differenced too.
/// </summary>
public sealed class FiniteDifferenceTests
{
    // GSPO's default clip range (3e-4) would clip every random sequence; widen it so both branches occur.
    private static readonly AlgorithmOptions Options = new() { GspoClipLow = 0.05, GspoClipHigh = 0.08, ImportanceCap = 1.2 };
    private const double Step = 1e-3;

    public static TheoryData<string, LossAggregation> Cases()
    {
        var data = new TheoryData<string, LossAggregation>();
        foreach (var name in AlgorithmCatalog.Names)
            foreach (var mode in Enum.GetValues<LossAggregation>())
                data.Add(name, mode);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void GradientMatchesCentralDifference(string algorithm, LossAggregation aggregation)
    {
        var loss = AlgorithmCatalog.Create(algorithm, Options);
        int checkedSeeds = 0;
        double clipped = 0, truncated = 0, masked = 0;
        for (int seed = 0; checkedSeeds < 4; seed++)
        {
            var inputs = LossFixture.Random(seed, spread: 0.35);
            if (NearBoundary(inputs)) continue;
            checkedSeeds++;
            var result = loss.Compute(inputs, aggregation);
            clipped += result.Stats.ClippedFraction;
            truncated += result.Stats.TruncatedFraction;
            masked += result.Stats.MaskedFraction;
            var logp = inputs.LogProbs;
            for (int k = 0; k < logp.Length; k++)
            {
                var plus = (float[])logp.Clone();
                var minus = (float[])logp.Clone();
                plus[k] = (float)(logp[k] + Step);
                minus[k] = (float)(logp[k] - Step);
                // The exact float perturbation, so the quotient differences what was actually evaluated.
                double h = (double)plus[k] - minus[k];
                double fd = (loss.Compute(LossFixture.WithLogProbs(inputs, plus), aggregation).Loss
                           - loss.Compute(LossFixture.WithLogProbs(inputs, minus), aggregation).Loss) / h;
                Close.Equal(fd, result.DLogProbs[k], tol: 2e-5, what: $"{algorithm}/{aggregation} seed {seed} ∂Loss/∂logπ[{k}]");
                if (inputs.Mask[k] == 0) Assert.Equal(0f, result.DLogProbs[k]);
            }
        }

        // The draws must reach the branches that zero or cap a gradient, or the difference proves little.
        if (algorithm is "grpo" or "grpo-token-tis" or "grpo-seq-mis" or "gspo") Assert.True(clipped > 0, "no clipped token was differenced");
        if (algorithm.EndsWith("tis")) Assert.True(truncated > 0, "no truncated weight was differenced");
        if (algorithm.EndsWith("mis")) Assert.True(masked > 0, "no masked sequence was differenced");
    }

    /// <summary>True when a PPO/GSPO ratio or a TIS/MIS weight is within 5 steps of its boundary.</summary>
    private static bool NearBoundary(PolicyLossInputs x)
    {
        const double margin = 5 * Step;
        bool Near(double logValue, double bound) => Math.Abs(logValue - Math.Log(bound)) < margin;
        for (int i = 0; i < x.Sequences; i++)
        {
            double seqPi = 0, seqOld = 0, len = 0;
            for (int t = 0; t < x.SeqLen; t++)
            {
                int k = i * x.SeqLen + t;
                if (x.Mask[k] == 0) continue;
                double logR = (double)x.LogProbs[k] - x.OldLogProbs![k];
                if (Near(logR, 1 - Options.ClipLow) || Near(logR, 1 + Options.ClipHigh)) return true;
                if (Near((double)x.OldLogProbs[k] - x.RolloutLogProbs[k], Options.ImportanceCap)) return true;
                seqPi += (double)x.LogProbs[k] - x.RolloutLogProbs[k];
                seqOld += (double)x.OldLogProbs[k] - x.RolloutLogProbs[k];
                len++;
            }
            double gspoLog = (seqPi - seqOld) / len;
            if (Math.Abs(gspoLog - Math.Log(1 - Options.GspoClipLow)) < margin / len || Math.Abs(gspoLog - Math.Log(1 + Options.GspoClipHigh)) < margin / len) return true;
            if (Near(seqPi, Options.ImportanceCap) || Near(seqOld, Options.ImportanceCap)) return true;
        }
        return false;
    }
}
