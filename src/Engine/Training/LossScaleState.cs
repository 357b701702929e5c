namespace Precision.Orleans.Engine.Training;

/// <summary>
/// The dynamic loss scaler's state as a value (GradScaler's <c>_scale</c>, <c>_growth_tracker</c>, plus the skipped-step
/// count), with its one transition <see cref="After"/>: the single definition both the in-process <see cref="LossScaler"/>
/// and the cluster's loss-scale consensus use.
/// </summary>
public readonly record struct LossScaleState(float Scale, int GrowthTracker, long SkippedSteps)
{
    /// <summary>
    /// The state after a step whose gradients did (<paramref name="foundInf"/>) or did not hold inf/NaN, and whether the
    /// optimizer steps. Enabled: overflow → skip, scale × backoff, tracker reset; clean → step, and after GrowthInterval
    /// clean steps in a row the scale × growth (only while it stays finite). Disabled (bf16/fp32): the scale stays 1 and a
    /// non-finite gradient still skips the step, as verl/oat refuse a non-finite clipped norm — never NaN into the weights.
    /// </summary>
    public (LossScaleState Next, bool Apply) After(bool foundInf, LossScalerOptions options, bool enabled)
    {
        if (!enabled) return foundInf ? (this with { SkippedSteps = SkippedSteps + 1 }, false) : (this, true);
        if (foundInf) return (new LossScaleState(Scale * options.BackoffFactor, 0, SkippedSteps + 1), false);
        int tracker = GrowthTracker + 1;
        if (tracker != options.GrowthInterval) return (this with { GrowthTracker = tracker }, true);
        float grown = Scale * options.GrowthFactor;
        return (new LossScaleState(float.IsFinite(grown) ? grown : Scale, 0, SkippedSteps), true);
    }
}
