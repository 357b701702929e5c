namespace Precision.Orleans.Engine.Training;

/// <summary>
/// Linear warmup to the peak learning rate, then cosine decay to <c>floor</c> × peak at the last step:
/// a tiny model learns fastest this way in few steps (used by <c>train-lm</c> and <c>pretrain</c>).
/// </summary>
public static class WarmupCosineSchedule
{
    /// <summary>The learning rate of 1-based <paramref name="step"/> of <paramref name="totalSteps"/>.</summary>
    public static float At(int step, float peak, int warmupSteps, int totalSteps, double floor = 0.1)
    {
        if (step <= warmupSteps) return peak * step / Math.Max(1, warmupSteps);
        double progress = (double)(step - warmupSteps) / Math.Max(1, totalSteps - warmupSteps);
        return (float)(peak * (floor + (1 - floor) * 0.5 * (1 + Math.Cos(Math.PI * Math.Min(1, progress)))));
    }
}
