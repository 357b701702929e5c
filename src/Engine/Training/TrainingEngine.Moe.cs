using Precision.Orleans.Engine.Layers;
using Precision.Orleans.Engine.Model;
using Precision.Orleans.Engine.Numerics;

namespace Precision.Orleans.Engine.Training;

/// <summary>
/// The Qwen3-MoE sparse block (transformers' Qwen3MoeSparseMoeBlock) as PyTorch eager runs it: router linear, FP32
/// softmax + top-k (+ renormalisation), then expert by expert: gather the expert's tokens, SwiGLU through the same
/// LinearForward/LinearBackward hooks as every other matrix (so adapters apply to the router and the experts too),
/// scale by the routing weight and index_add into the output in the dtype.
/// </summary>
public sealed partial class TrainingEngine
{
    /// <summary>y[n, D] = MoE(x) for sparse layer <paramref name="o"/>; fills <paramref name="m"/> for the backward.</summary>
    private void MoeForward(int layer, LayerOffsets o, MoeActivations m, ReadOnlySpan<float> x, Span<float> y, int n)
    {
        var c = Config;
        var dt = ComputeDType;
        int d = c.HiddenSize, experts = c.NumExperts, k = c.NumExpertsPerToken, moe = c.MoeIntermediateSize;
        LinearForward(x, o.Router, -1, m.RouterLogits, n, experts, d);
        Kernels.MoeRouterForward(m.RouterLogits, m.Probs32, m.TopExperts, m.TopProbs32, m.Weights, n, experts, k, c.NormTopKProb, dt);
        BuildDispatch(m, n, experts, k);
        for (int a = 0; a < n * k; a++)
            x.Slice(m.AssignmentToken[a] * d, d).CopyTo(m.Input.AsSpan(a * d, d));

        y[..(n * d)].Clear();
        if (_expertExecutor is { } executor)
        {
            // The experts run elsewhere; the combine stays here, in the same expert order as below.
            var (ids, rowStart) = ExpertsWithRows(m.ExpertStart, experts);
            int rows = n * k;
            executor.Forward(MoeLayerIndex(layer), ids, rowStart, m.Input.AsSpan(0, rows * d), m.Output.AsSpan(0, rows * d));
            for (int i = 0; i < ids.Length; i++)
            {
                int start = rowStart[i], count = rowStart[i + 1] - start;
                Kernels.ExpertCombineForward(m.Output.AsSpan(start * d, count * d), m.Weights, m.AssignmentToken.AsSpan(start, count),
                    m.AssignmentSlot.AsSpan(start, count), y, count, d, k, dt);
            }
            return;
        }
        for (int e = 0; e < experts; e++)
        {
            int start = m.ExpertStart[e], count = m.ExpertStart[e + 1] - start;
            if (count == 0) continue; // an expert no token chose does not run (HF skips it too)
            var ex = o.Experts[e];
            var input = m.Input.AsSpan(start * d, count * d);
            var gate = m.Gate.AsSpan(start * moe, count * moe);
            var up = m.Up.AsSpan(start * moe, count * moe);
            var hidden = m.Hidden.AsSpan(start * moe, count * moe);
            var output = m.Output.AsSpan(start * d, count * d);
            LinearForward(input, ex.GateProj, -1, gate, count, moe, d);
            LinearForward(input, ex.UpProj, -1, up, count, moe, d);
            Kernels.SwiGluForward(gate, up, m.Activated.AsSpan(start * moe, count * moe), hidden, dt);
            LinearForward(hidden, ex.DownProj, -1, output, count, d, moe);
            Kernels.ExpertCombineForward(output, m.Weights, m.AssignmentToken.AsSpan(start, count), m.AssignmentSlot.AsSpan(start, count),
                y, count, d, k, dt);
        }
    }

    /// <summary>
    /// dx[n, D] (overwritten) from dy[n, D]: through the combine into the experts and the routing weights, the experts'
    /// SwiGLU, the router (through the renormalisation and the softmax, plus <paramref name="auxGradient"/> on the
    /// probabilities of the rows <paramref name="rowMask"/> marks) and its linear. Weight gradients are added to
    /// <see cref="Gradients"/>.
    /// </summary>
    private void MoeBackward(int layer, LayerOffsets o, MoeActivations m, MoeScratch s, ReadOnlySpan<float> dy, ReadOnlySpan<float> x,
        Span<float> dx, int n, ReadOnlySpan<float> auxGradient, ReadOnlySpan<float> rowMask)
    {
        var c = Config;
        var dt = ComputeDType;
        int d = c.HiddenSize, experts = c.NumExperts, k = c.NumExpertsPerToken, moe = c.MoeIntermediateSize, assignments = n * k;
        Kernels.ExpertCombineBackward(dy, m.Output, m.Weights, m.AssignmentToken, m.AssignmentSlot, s.DOutput, s.DWeights, assignments, d, k, dt);
        Kernels.MoeRouterBackward(s.DWeights, m.Probs32, m.TopExperts, m.TopProbs32, auxGradient, rowMask, s.DRouterLogits,
            n, experts, k, c.NormTopKProb, dt);
        LinearBackward(s.DRouterLogits, x, o.Router, -1, dx, n, experts, d, false);
        if (_expertExecutor is { } executor)
        {
            var (ids, rowStart) = ExpertsWithRows(m.ExpertStart, experts);
            executor.Backward(MoeLayerIndex(layer), ids, rowStart, s.DOutput.AsSpan(0, assignments * d), s.DInput.AsSpan(0, assignments * d));
        }
        else for (int e = 0; e < experts; e++)
        {
            int start = m.ExpertStart[e], count = m.ExpertStart[e + 1] - start;
            if (count == 0) continue;
            var ex = o.Experts[e];
            var input = m.Input.AsSpan(start * d, count * d);
            var dHidden = s.DHidden.AsSpan(start * moe, count * moe);
            var dGate = s.DGate.AsSpan(start * moe, count * moe);
            var dUp = s.DUp.AsSpan(start * moe, count * moe);
            var dInput = s.DInput.AsSpan(start * d, count * d);
            LinearBackward(s.DOutput.AsSpan(start * d, count * d), m.Hidden.AsSpan(start * moe, count * moe), ex.DownProj, -1, dHidden, count, d, moe, false);
            Kernels.SwiGluBackward(dHidden, m.Gate.AsSpan(start * moe, count * moe), m.Up.AsSpan(start * moe, count * moe),
                m.Activated.AsSpan(start * moe, count * moe), dGate, dUp, dt);
            LinearBackward(dUp, input, ex.UpProj, -1, dInput, count, moe, d, false);
            LinearBackward(dGate, input, ex.GateProj, -1, dInput, count, moe, d, true);
        }
        // The gather's backward: each assignment's input gradient is added to its token's row, in expert order.
        for (int a = 0; a < assignments; a++)
        {
            var row = dx.Slice(m.AssignmentToken[a] * d, d);
            System.Numerics.Tensors.TensorPrimitives.Add(row, s.DInput.AsSpan(a * d, d), row);
            DTypeRounding.RoundInPlace(row, dt);
        }
    }

    /// <summary>Groups the (token, slot) assignments by expert, tokens ascending within each expert (counting sort).</summary>
    private static void BuildDispatch(MoeActivations m, int n, int experts, int k)
    {
        var start = m.ExpertStart;
        Array.Clear(start);
        for (int i = 0; i < n * k; i++) start[m.TopExperts[i] + 1]++;
        for (int e = 0; e < experts; e++) start[e + 1] += start[e];
        Span<int> next = experts <= 1024 ? stackalloc int[experts] : new int[experts];
        start.AsSpan(0, experts).CopyTo(next);
        for (int t = 0; t < n; t++)
            for (int slot = 0; slot < k; slot++)
            {
                int a = next[m.TopExperts[t * k + slot]]++;
                m.AssignmentToken[a] = t;
                m.AssignmentSlot[a] = slot;
            }
    }
}
