namespace Precision.Orleans.RL.Algorithms;

/// <summary>Group-relative advantages: RLOO (leave-one-out, the default) or GRPO (group mean) baselines.</summary>
public static class Advantages
{
    /// <summary>Added to the group's reward std before dividing, so an all-equal group gives 0, not NaN.</summary>
    public const double StdEpsilon = 1e-6;

    /// <summary>
    /// One advantage per response. <paramref name="rewards"/> are laid out group after group (G responses of
    /// prompt 0, then of prompt 1, …). RLOO (the default): A_i = R_i − mean of the other G − 1 rewards of its group
    /// (leave-one-out, so the baseline does not depend on the response it judges). GRPO: A_i = R_i − mean of all G
    /// (verl's <c>grpo</c>). With <paramref name="normalizeStd"/> every advantage is divided by (std of its group's
    /// rewards + 1e-6), the std being the unbiased (n − 1) one as <c>torch.std</c> computes it in verl's GRPO. Since
    /// R_i − mean(others) = G/(G − 1)·(R_i − mean(all)), RLOO ÷ std equals G/(G − 1) × verl's GRPO (÷ std), not verl's GRPO.
    /// </summary>
    public static float[] GroupRelative(ReadOnlySpan<double> rewards, int groupSize, bool normalizeStd,
        AdvantageEstimator estimator = AdvantageEstimator.Rloo)
    {
        if (groupSize < 2)
            throw new ArgumentOutOfRangeException(nameof(groupSize), groupSize,
                "group-relative advantages need a group size G ≥ 2 (with G = 1 there is no other response to form a baseline)");
        if (rewards.Length % groupSize != 0)
            throw new ArgumentException(
                $"{rewards.Length} rewards are not whole groups of {groupSize}", nameof(rewards));

        var advantages = new float[rewards.Length];
        for (int start = 0; start < rewards.Length; start += groupSize)
        {
            var group = rewards.Slice(start, groupSize);
            double sum = 0;
            foreach (double r in group)
            {
                if (!double.IsFinite(r)) throw new ArgumentException($"reward {r} at index {start} is not finite", nameof(rewards));
                sum += r;
            }
            double mean = sum / groupSize;
            double scale = normalizeStd ? 1.0 / (SampleStd(group, mean) + StdEpsilon) : 1.0;
            for (int i = 0; i < groupSize; i++)
            {
                double baseline = estimator == AdvantageEstimator.Grpo ? mean : (sum - group[i]) / (groupSize - 1);
                advantages[start + i] = (float)((group[i] - baseline) * scale);
            }
        }
        return advantages;
    }

    private static double SampleStd(ReadOnlySpan<double> group, double mean)
    {
        double squares = 0;
        foreach (double r in group) squares += (r - mean) * (r - mean);
        return Math.Sqrt(squares / (group.Length - 1));
    }
}
