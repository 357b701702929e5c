namespace Precision.Orleans.RL.Algorithms;

/// <summary>
/// The aggregated loss of a mini-batch (or of its share, for a micro-batch) and its gradient with respect
/// to every log π_θ(y_t) — exactly what <see cref="Engine.Training.TrainingEngine.Backward"/> takes.
/// </summary>
/// <param name="Loss">The aggregated surrogate loss (to minimise).</param>
/// <param name="DLogProbs">[N·T] ∂Loss/∂log π_θ(y_t); 0 off the mask.</param>
/// <param name="Stats">Importance-weight and clipping statistics of this batch.</param>
public sealed record PolicyLossResult(double Loss, float[] DLogProbs, ImportanceWeightStats Stats);
