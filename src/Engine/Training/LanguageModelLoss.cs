namespace Precision.Orleans.Engine.Training;

/// <summary>
/// The next-token loss of one micro-batch as part of a larger (mini-)batch: −Σ mask·log p / <c>normalizer</c>, where the
/// normalizer is the whole mini-batch's target-token count, so the micro-batches' gradients add up to the mini-batch's.
/// </summary>
public static class LanguageModelLoss
{
    /// <summary>Forward and backward of <paramref name="batch"/> on <paramref name="engine"/> (gradients added); returns its target tokens.</summary>
    public static int ForwardBackward(TrainingEngine engine, TokenBatch batch, float normalizer)
    {
        ArgumentNullException.ThrowIfNull(engine);
        ArgumentNullException.ThrowIfNull(batch);
        if (!(normalizer > 0)) throw new ArgumentException($"the loss normalizer must be positive, got {normalizer}");
        engine.Forward(batch);
        var dLogp = new float[batch.TargetMask.Length];
        int tokens = 0;
        for (int i = 0; i < dLogp.Length; i++)
        {
            float m = batch.TargetMask[i];
            dLogp[i] = -m / normalizer;
            if (m != 0f) tokens++;
        }
        engine.Backward(dLogp);
        return tokens;
    }
}
