namespace Precision.Orleans.RL.Algorithms;

/// <summary>PPO's clipped surrogate for one ratio r = exp(log r) and advantage A.</summary>
internal static class ClippedSurrogate
{
    /// <summary>
    /// ℓ = −min(r·A, clip(r, 1 − ε_low, 1 + ε_high)·A) and ∂ℓ/∂log r. On the clipped branch the gradient is 0
    /// (as autograd of min/clamp gives); inside the range, or on the pessimistic side outside it, it is −r·A.
    /// With <see cref="AlgorithmOptions.LogRatioClamp"/> log r is clamped before exp (zero gradient beyond the bound);
    /// with <see cref="AlgorithmOptions.DualClipRatio"/> c and A &lt; 0, ℓ is further bounded at c·|A| (verl's dual-clip,
    /// zero gradient where the bound holds).
    /// </summary>
    public static (double Loss, double DLogRatio, bool Clipped) Evaluate(double logRatio, double advantage, double clipLow, double clipHigh,
        AlgorithmOptions guards)
    {
        if (advantage == 0) return (0, 0, false);
        var (safeLogRatio, clamped) = guards.ClampLogRatio(logRatio);
        double r = Math.Exp(safeLogRatio);
        double unclipped = r * advantage;
        double clipped = Math.Clamp(r, 1 - clipLow, 1 + clipHigh) * advantage;
        var (loss, dLogRatio, wasClipped) = clipped < unclipped ? (-clipped, 0.0, true) : (-unclipped, -unclipped, false);
        if (clamped) dLogRatio = 0;
        if (advantage < 0 && guards.DualClipRatio is { } c && loss > -c * advantage) return (-c * advantage, 0, true);
        return (loss, dLogRatio, wasClipped);
    }
}
