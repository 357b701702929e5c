namespace Precision.Orleans.Engine.Experts;

/// <summary>
/// Runs a sparse layer's routed token rows through their experts (SwiGLU MLP per expert, in the rollout dtype).
/// The rollout engine routes, groups rows by expert and combines the outputs itself, in a fixed order; only the
/// expert MLPs go through this seam, so where an expert lives (this process, another grain) cannot change a bit.
/// </summary>
public interface IExpertExecutor
{
    /// <summary>
    /// Runs <paramref name="experts"/>[i]'s rows <paramref name="inputs"/>[rowStart[i] .. rowStart[i + 1]) (each row
    /// hidden_size floats, normed, in the dtype) and writes each row's expert output, rounded to the dtype, to the
    /// same rows of <paramref name="outputs"/>. Experts are ascending and distinct; every listed expert has rows.
    /// </summary>
    void RunExperts(int moeLayer, ReadOnlySpan<int> experts, ReadOnlySpan<int> rowStart, ReadOnlySpan<float> inputs, Span<float> outputs);
}
