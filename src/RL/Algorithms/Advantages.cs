namespace Precision.Orleans.RL.Algorithms;

/// <summary>Group-relative advantages (RLOO / Dr.GRPO baseline).</summary>
public static class Advantages
{
    /// <summary>Added to the group's reward std before dividing, so an all-equal group gives 0, not NaN.</summary>
    public const double StdEpsilon = 1e-6;

    /// <summary>
    /// One advantage per response. <paramref name="rewards"/> are laid out group after group (G responses of
    /// prompt 0, then of prompt 1, …). A_i = R_i − mean of the other G − 1 rewards of its group (leave-one-out,
    /// so the baseline does not depend on the response it judges). With <paramref name="normalizeStd"/> every
    /// advantage is divided by (std of its group's rewards + 1e-6), the std being the unbiased (n − 1) one
    /// as <c>torch.std</c> computes it in verl's GRPO.
    /// </summary>
    public static float[] GroupRelative(ReadOnlySpan<double> rewards, int groupSize, bool normalizeStd)
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
                double othersMean = (sum - group[i]) / (groupSize - 1);
                advantages[start + i] = (float)((group[i] - othersMean) * scale);
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
