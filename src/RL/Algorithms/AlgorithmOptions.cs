namespace Precision.Orleans.RL.Algorithms;

/// <summary>The parameters of every algorithm; each reads the ones it uses.</summary>
public sealed record AlgorithmOptions
{
    /// <summary>PPO clip ε_low for the GRPO family: r is clipped to [1 − ε_low, 1 + ε_high]. Default 0.2.</summary>
    public double ClipLow { get; init; } = 0.2;

    /// <summary>PPO clip ε_high ("clip higher", DAPO). Default 0.28 as in the paper.</summary>
    public double ClipHigh { get; init; } = 0.28;

    /// <summary>GSPO's clip range on the length-normalised sequence ratio, low side. Default 3e-4 (GSPO paper).</summary>
    public double GspoClipLow { get; init; } = 3e-4;

    /// <summary>GSPO's clip range, high side. Default 4e-4 (GSPO paper).</summary>
    public double GspoClipHigh { get; init; } = 4e-4;

    /// <summary>The truncation / masking threshold C of TIS and MIS. Default 3 as in the paper.</summary>
    public double ImportanceCap { get; init; } = 3.0;

    /// <summary>
    /// Dual-clip PPO's c (verl <c>clip_ratio_c</c>, whose default is 3): for A &lt; 0 the clipped surrogate's loss is
    /// bounded at c·|A|, so a token whose ratio has run far above 1 cannot dominate the step. Null (the default) = off,
    /// as in the paper authors' code. Must be &gt; 1.
    /// </summary>
    public double? DualClipRatio { get; init; }

    /// <summary>
    /// Safety clamp of every log-ratio before <c>exp</c> (verl clamps at ±20): log r is clamped to [−b, b], with zero
    /// gradient beyond (as autograd of clamp gives). Null (the default) = off. Must be finite and &gt; 0.
    /// </summary>
    public double? LogRatioClamp { get; init; }

    /// <summary>
    /// MIS variants (grpo-seq-mis, pg-seq-mis): also drop sequences with ρ &lt; 1/C, as verl's rejection sampling does
    /// with its lower threshold. False (the default) = only ρ &gt; C is dropped, as in the paper.
    /// </summary>
    public bool MisLowerBound { get; init; }

    /// <summary>log r clamped to ±<see cref="LogRatioClamp"/> when set, and whether it was (a clamped log-ratio has zero gradient).</summary>
    internal (double LogRatio, bool Clamped) ClampLogRatio(double logRatio) =>
        LogRatioClamp is { } bound && Math.Abs(logRatio) > bound ? (Math.CopySign(bound, logRatio), true) : (logRatio, false);

    /// <summary>True when a MIS sequence weight ρ is kept: ρ ≤ C, and ρ ≥ 1/C with <see cref="MisLowerBound"/>.</summary>
    internal bool MisKeeps(double rho) => rho <= ImportanceCap && (!MisLowerBound || rho >= 1 / ImportanceCap);

    /// <summary>Throws <see cref="ArgumentException"/> naming the first parameter out of range; returns this.</summary>
    public AlgorithmOptions Validate()
    {
        static void Require(bool ok, string key, double value, string allowed)
        {
            if (!ok) throw new ArgumentException($"algorithm option {key} = {value} is out of range: it must be {allowed}");
        }

        // ε_low ≤ 1 keeps the lower clip bound 1 − ε_low ≥ 0 (a ratio is never negative).
        Require(ClipLow is >= 0 and <= 1, nameof(ClipLow), ClipLow, "in [0, 1]");
        Require(ClipHigh >= 0 && double.IsFinite(ClipHigh), nameof(ClipHigh), ClipHigh, "a finite number ≥ 0");
        Require(GspoClipLow is >= 0 and <= 1, nameof(GspoClipLow), GspoClipLow, "in [0, 1]");
        Require(GspoClipHigh >= 0 && double.IsFinite(GspoClipHigh), nameof(GspoClipHigh), GspoClipHigh, "a finite number ≥ 0");
        Require(ImportanceCap > 0 && double.IsFinite(ImportanceCap), nameof(ImportanceCap), ImportanceCap, "a finite number > 0");
        if (DualClipRatio is { } c) Require(c > 1 && double.IsFinite(c), nameof(DualClipRatio), c, "a finite number > 1");
        if (LogRatioClamp is { } b) Require(b > 0 && double.IsFinite(b), nameof(LogRatioClamp), b, "a finite number > 0");
        return this;
    }
}
