using Precision.Orleans.Engine.Model;

namespace Precision.Orleans.Engine.Experts;

/// <summary>
/// The training engine's seam for a sparse layer's expert MLPs, forward and backward (llm.c style: a pair over flat
/// row buffers). The engine routes, gathers rows by expert, combines outputs and scatters input gradients itself, in
/// its one fixed order; the executor holds the experts' compute-dtype weights, keeps its rows' activations from
/// <see cref="Forward"/> for <see cref="Backward"/>, and forms the experts' weight gradients. Each expert lives on one
/// owner, which runs its rows in the engine's order, so where an expert lives cannot change a bit.
/// </summary>
public interface ITrainingExpertExecutor
{
    /// <summary>Rounds the experts' FP32 master values (in <paramref name="layout"/>) to the compute dtype as version <paramref name="version"/>.</summary>
    void LoadWeights(ParameterLayout layout, ReadOnlySpan<float> master, long version);

    /// <summary>
    /// Runs <paramref name="experts"/>[i]'s rows <paramref name="inputs"/>[rowStart[i] .. rowStart[i + 1]) (hidden_size
    /// floats each, in the dtype) through gate/up, SwiGLU and down, writes the outputs (before the routing weight) to the
    /// same rows of <paramref name="outputs"/> and keeps what the backward needs, per <paramref name="moeLayer"/>.
    /// Experts ascending and distinct, each with rows.
    /// </summary>
    void Forward(int moeLayer, ReadOnlySpan<int> experts, ReadOnlySpan<int> rowStart, ReadOnlySpan<float> inputs, Span<float> outputs);

    /// <summary>Sets every held expert's weight gradient to zero (the engine calls it as a backward starts).</summary>
    void ZeroGradients();

    /// <summary>
    /// Backward of the last <see cref="Forward"/> of <paramref name="moeLayer"/> (same experts and rows): writes each row's
    /// input gradient to <paramref name="dInputs"/> (overwritten) and adds dW = dyᵀ·x to the experts' weight gradients.
    /// </summary>
    void Backward(int moeLayer, ReadOnlySpan<int> experts, ReadOnlySpan<int> rowStart, ReadOnlySpan<float> dOutputs, Span<float> dInputs);

    /// <summary>Writes (overwrites) the held experts' weight gradients into <paramref name="gradients"/> at their <paramref name="layout"/> offsets.</summary>
    void WriteGradients(ParameterLayout layout, Span<float> gradients);
}
