using Precision.Orleans.RL.Tasks;

namespace Precision.Orleans.RL.Evaluation;

/// <summary>How often a policy solved one problem: <see cref="Correct"/> of <see cref="Samples"/> sampled responses.</summary>
public sealed record ProblemAccuracy(Problem Problem, int Correct, int Samples, double MeanResponseTokens)
{
    public double Accuracy => Samples == 0 ? 0 : (double)Correct / Samples;
}
