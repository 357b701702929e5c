namespace Precision.Orleans.RL.Algorithms;

/// <summary>PPO's clipped surrogate for one ratio r = exp(log r) and advantage A.</summary>
internal static class ClippedSurrogate
{
    /// <summary>
    /// ℓ = −min(r·A, clip(r, 1 − ε_low, 1 + ε_high)·A) and ∂ℓ/∂log r. On the clipped branch the gradient is 0
    /// (as autograd of min/clamp gives); inside the range, or on the pessimistic side outside it, it is −r·A.
    /// </summary>
    public static (double Loss, double DLogRatio, bool Clipped) Evaluate(double logRatio, double advantage, double clipLow, double clipHigh)
    {
        if (advantage == 0) return (0, 0, false);
        double r = Math.Exp(logRatio);
        double unclipped = r * advantage;
        double clipped = Math.Clamp(r, 1 - clipLow, 1 + clipHigh) * advantage;
        return clipped < unclipped ? (-clipped, 0, true) : (-unclipped, -unclipped, false);
    }
}
