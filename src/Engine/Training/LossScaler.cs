namespace Precision.Orleans.Engine.Training;

/// <summary>
/// Dynamic loss scaling for FP16 training (PyTorch GradScaler semantics): the loss — and therefore
/// every gradient — is multiplied by <see cref="Scale"/> so that small gradients survive FP16's
/// narrow range; before the optimizer step the gradients are divided by it again. If any gradient
/// overflowed, the step is skipped and the scale backs off; after <c>GrowthInterval</c> clean steps
/// in a row it grows.
/// <para>In the cluster, every gradient holder reports <c>foundInf</c> and all of them call
/// <see cref="Update"/> with the OR of the reports: that is the loss-scale consensus.</para>
/// </summary>
public sealed class LossScaler
{
    private readonly LossScalerOptions _options;

    public LossScaler(LossScalerOptions options, bool enabled)
    {
        _options = options.Validate();
        Enabled = enabled;
        Scale = enabled ? options.InitialScale : 1f;
    }

    public bool Enabled { get; }

    /// <summary>The current multiplier applied to the loss (1 when disabled).</summary>
    public float Scale { get; private set; }

    /// <summary>Consecutive clean steps since the last growth or backoff.</summary>
    public int GrowthTracker { get; private set; }

    /// <summary>Steps skipped because of inf/NaN gradients, since construction.</summary>
    public long SkippedSteps { get; private set; }

    /// <summary>True when any value is inf or NaN.</summary>
    public static bool HasNonFinite(ReadOnlySpan<float> values)
    {
        // x - x is 0 for finite x and NaN for ±inf/NaN; a sum of those is NaN iff one was non-finite.
        // Checked in blocks so that one pass over the gradient buffer finds the answer.
        const int block = 4096;
        for (int i = 0; i < values.Length; i += block)
        {
            var chunk = values.Slice(i, Math.Min(block, values.Length - i));
            float s = System.Numerics.Tensors.TensorPrimitives.Sum(chunk);
            if (!float.IsFinite(s))
            {
                // A finite block can still sum to inf (large values); confirm element-wise.
                foreach (var v in chunk)
                    if (!float.IsFinite(v)) return true;
            }
        }
        return false;
    }

    /// <summary>
    /// Records the outcome of one step. Returns true when the optimizer should step, false when
    /// the step must be skipped. Always advances the scale schedule.
    /// </summary>
    public bool Update(bool foundInf)
    {
        (var next, bool apply) = State.After(foundInf, _options, Enabled);
        (Scale, GrowthTracker, SkippedSteps) = next;
        return apply;
    }

    /// <summary>The scaler's state as a value (what the loss-scale consensus and checkpoints carry).</summary>
    public LossScaleState State => new(Scale, GrowthTracker, SkippedSteps);

    /// <summary>The options this scaler backs off and grows by.</summary>
    public LossScalerOptions Options => _options;

    /// <summary>Restores state saved by a checkpoint.</summary>
    public void Restore(float scale, int growthTracker, long skippedSteps)
    {
        if (!(scale > 0) || !float.IsFinite(scale)) throw new ArgumentException($"loss scale must be positive and finite, got {scale}");
        Scale = scale;
        GrowthTracker = growthTracker;
        SkippedSteps = skippedSteps;
    }
}
