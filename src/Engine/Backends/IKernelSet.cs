using Precision.Orleans.Abstractions;
using Precision.Orleans.Engine.Layers;
using Precision.Orleans.Engine.Rollout;

namespace Precision.Orleans.Engine.Backends;

/// <summary>
/// The kernel set both engines call: one method per op, forward/backward pairs over flat buffers (llm.c style), with the
/// numerical contract of the CPU layers they are named after (<see cref="CpuKernelSet"/> is the reference). A backend
/// (the CUDA one in Precision.Orleans.Engine.Gpu) implements the same contract on its device; the engines keep their
/// differences (unfused training ops rounded after every step, fused rollout ops rounded once) because each op here
/// is either a training-engine op or a rollout-engine op, never a shared one.
/// </summary>
public interface IKernelSet
{
    /// <summary>Where the kernels run, for messages ("cpu", "cuda:0 NVIDIA H200", "ilgpu-cpu").</summary>
    string Name { get; }

    // ---- GEMM (tensor-core semantics: dtype inputs, FP32 accumulation, output rounded once) ----

    /// <summary>As <see cref="Kernels.Gemm.MatMul"/>: C = round(op(A)·op(B)), or C += round(op(A)·op(B)) with <paramref name="accumulate"/>.</summary>
    void MatMul(bool transA, bool transB, int m, int n, int k, ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb,
        Span<float> c, int ldc, DType outDtype, bool accumulate = false);

    // ---- training engine (unfused, every op's output rounded) ----

    /// <summary>As <see cref="LinearLayer.Forward"/>.</summary>
    void LinearForward(ReadOnlySpan<float> x, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, Span<float> y, int m, int n, int k, DType dtype);

    /// <summary>As <see cref="LinearLayer.Backward"/>.</summary>
    void LinearBackward(ReadOnlySpan<float> dy, ReadOnlySpan<float> x, ReadOnlySpan<float> weight, Span<float> dx, Span<float> dWeight,
        Span<float> dBias, int m, int n, int k, DType dtype, bool accumulateInput);

    /// <summary>As <see cref="EmbeddingLayer.Forward"/>.</summary>
    void EmbeddingForward(ReadOnlySpan<int> tokens, ReadOnlySpan<float> table, Span<float> output, int vocab, int d);

    /// <summary>As <see cref="EmbeddingLayer.Backward"/>.</summary>
    void EmbeddingBackward(ReadOnlySpan<int> tokens, ReadOnlySpan<float> dOutput, Span<float> dTable, int d, DType dtype);

    /// <summary>As <see cref="RmsNormLayer.Forward"/>.</summary>
    void RmsNormForward(ReadOnlySpan<float> x, ReadOnlySpan<float> weight, Span<float> normed, Span<float> output, Span<float> rstd,
        int rows, int d, float eps, DType dtype);

    /// <summary>As <see cref="RmsNormLayer.Backward"/>.</summary>
    void RmsNormBackward(ReadOnlySpan<float> dOutput, ReadOnlySpan<float> x, ReadOnlySpan<float> normed, ReadOnlySpan<float> rstd,
        ReadOnlySpan<float> weight, Span<float> dx, Span<float> dWeight, int rows, int d, DType dtype, bool accumulateInput);

    /// <summary>As <see cref="RopeLayer.Forward"/>.</summary>
    void RopeForward(ReadOnlySpan<float> x, Span<float> y, ReadOnlySpan<float> cos, ReadOnlySpan<float> sin, int rows, int seqLen, int heads, int headDim, DType dtype);

    /// <summary>As <see cref="RopeLayer.Backward"/>.</summary>
    void RopeBackward(ReadOnlySpan<float> dy, Span<float> dx, ReadOnlySpan<float> cos, ReadOnlySpan<float> sin, int rows, int seqLen, int heads, int headDim, DType dtype);

    /// <summary>As <see cref="AttentionLayer.Forward"/>.</summary>
    void AttentionForward(float[] q, float[] k, float[] v, float[] probs32, float[] output, AttentionLayer.Shape shape, DType dtype);

    /// <summary>As <see cref="AttentionLayer.Backward"/>.</summary>
    void AttentionBackward(float[] dOutput, float[] q, float[] k, float[] v, float[] probs32, float[] dq, float[] dk, float[] dv,
        AttentionLayer.Shape shape, DType dtype);

    /// <summary>As <see cref="ResidualLayer.Forward"/>.</summary>
    void ResidualForward(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> output, DType dtype);

    /// <summary>As <see cref="SwiGluLayer.Forward"/>.</summary>
    void SwiGluForward(ReadOnlySpan<float> gate, ReadOnlySpan<float> up, Span<float> activated, Span<float> output, DType dtype);

    /// <summary>As <see cref="SwiGluLayer.Backward"/>.</summary>
    void SwiGluBackward(ReadOnlySpan<float> dOutput, ReadOnlySpan<float> gate, ReadOnlySpan<float> up, ReadOnlySpan<float> activated,
        Span<float> dGate, Span<float> dUp, DType dtype);

    /// <summary>As <see cref="TokenLogProbLayer.Forward"/>.</summary>
    void TokenLogProbForward(float[] logits, int[] targets, float[] logProbs, float[] logSumExp, int rows, int vocab);

    /// <summary>As <see cref="TokenLogProbLayer.Backward"/>.</summary>
    void TokenLogProbBackward(float[] dLogProbs, float[] logits, float[] logSumExp, int[] targets, float[] dLogits, int rows, int vocab, DType dtype);

    /// <summary>As <see cref="MoeRouterLayer.Forward"/>: FP32 softmax of the router logits, top-k (ties to the lower index), weights in the dtype.</summary>
    void MoeRouterForward(ReadOnlySpan<float> logits, Span<float> probs, Span<int> topExperts, Span<float> topProbs, Span<float> weights,
        int rows, int experts, int k, bool normTopK, DType dtype);

    /// <summary>As <see cref="MoeRouterLayer.Backward"/>.</summary>
    void MoeRouterBackward(ReadOnlySpan<float> dWeights, ReadOnlySpan<float> probs, ReadOnlySpan<int> topExperts, ReadOnlySpan<float> topProbs,
        ReadOnlySpan<float> auxGradient, ReadOnlySpan<float> rowMask, Span<float> dLogits, int rows, int experts, int k, bool normTopK, DType dtype);

    /// <summary>As <see cref="ExpertCombineLayer.Forward"/>: y[t] = round(y[t] + round(out[a]·w[t,s])) in assignment order.</summary>
    void ExpertCombineForward(ReadOnlySpan<float> expertOutput, ReadOnlySpan<float> weights, ReadOnlySpan<int> tokens, ReadOnlySpan<int> slots,
        Span<float> y, int assignments, int d, int k, DType dtype);

    /// <summary>As <see cref="ExpertCombineLayer.Backward"/>.</summary>
    void ExpertCombineBackward(ReadOnlySpan<float> dy, ReadOnlySpan<float> expertOutput, ReadOnlySpan<float> weights, ReadOnlySpan<int> tokens,
        ReadOnlySpan<int> slots, Span<float> dExpertOutput, Span<float> dWeights, int assignments, int d, int k, DType dtype);

    // ---- optimizer step (GradScaler, clip_grad_norm_, AdamW) ----

    /// <summary>GradScaler's check: true when any value is inf or NaN.</summary>
    bool HasNonFinite(ReadOnlySpan<float> values);

    /// <summary>values ×= factor in FP32 (the unscale, the clip).</summary>
    void Scale(Span<float> values, float factor);

    /// <summary>clip_grad_norm_'s total norm: FP32 norm per tensor, their squares summed in double.</summary>
    float GlobalNorm(ReadOnlySpan<float> gradients, IReadOnlyList<Model.ParameterInfo> tensors);

    /// <summary>One update of <paramref name="parameters"/> by <paramref name="optimizer"/> (as <see cref="Training.AdamW.Step"/>).</summary>
    void AdamWStep(Training.AdamW optimizer, Span<float> parameters, ReadOnlySpan<float> gradients, float? learningRate);

    // ---- rollout engine (fused, one rounding per kernel) ----

    /// <summary>
    /// The decode GEMM y[m,n] = x[m,k]·W[n,k]ᵀ over stored weights — <paramref name="w32"/> when
    /// <paramref name="weightType"/> is fp32, else the 16-bit bits <paramref name="w16"/> — in the split-K order of
    /// <see cref="Kernels.Gemm.Linear16"/> / <see cref="Kernels.Gemm.LinearSplitK"/>, rounded once to <paramref name="outDtype"/>.
    /// </summary>
    void LinearStored(ReadOnlySpan<float> x, ReadOnlySpan<float> w32, ReadOnlySpan<ushort> w16, DType weightType, Span<float> y,
        int m, int n, int k, DType outDtype);

    /// <summary>vLLM rms_norm on one row (see the rollout engine's fused kernels).</summary>
    void FusedRmsNorm(ReadOnlySpan<float> x, ReadOnlySpan<float> weight, float eps, Span<float> output, DType dtype);

    /// <summary>vLLM fused_add_rms_norm on one row: residual = round(x + residual), out = round(norm(residual)·w).</summary>
    void FusedAddRmsNorm(ReadOnlySpan<float> x, Span<float> residual, ReadOnlySpan<float> weight, float eps, Span<float> output, DType dtype);

    /// <summary>Rotary in place on consecutive heads, FP32 from FP32 cos/sin, one rounding.</summary>
    void FusedRotary(Span<float> heads, ReadOnlySpan<float> cos, ReadOnlySpan<float> sin, DType dtype);

    /// <summary>vLLM SiluAndMul on one row: out = round(silu(gate)·up).</summary>
    void SiluAndMul(ReadOnlySpan<float> gate, ReadOnlySpan<float> up, Span<float> output, DType dtype);

    /// <summary>
    /// Samples each row of <paramref name="logits"/> [rows, vocab] with its uniform (rows = uniforms.Length), as
    /// <see cref="TokenSampler.Sample"/>; <paramref name="probabilities"/> and <paramref name="sortKeys"/> are [rows, vocab] scratch.
    /// </summary>
    void Sample(ReadOnlySpan<float> logits, int vocab, SamplingOptions options, ReadOnlySpan<double> uniforms, Span<int> tokens, Span<float> logProbs,
        Span<float> probabilities, Span<ulong> sortKeys);
}
