namespace Precision.Orleans.Client.Evaluation;

/// <summary>
/// Upper bounds of the sampling commands' options (eval, sanity-set), so an absurd value is refused before any work
/// instead of running for days or exhausting memory.
/// </summary>
internal static class SamplingBounds
{
    public const int MaxProblems = 1_000_000;
    public const int MaxSamplesPerProblem = 10_000;
    public const int MaxNewTokens = 1_000_000;
    public const float MaxTemperature = 100;

    public static void Require(float temperature, int? maxNewTokens)
    {
        if (!(temperature >= 0 && temperature <= MaxTemperature))
            throw new ArgumentException($"--temperature must be in [0, {MaxTemperature}], got {temperature}");
        if (maxNewTokens is int m && (m < 1 || m > MaxNewTokens))
            throw new ArgumentException($"--max-new-tokens must be in [1, {MaxNewTokens}], got {m}");
    }
}
