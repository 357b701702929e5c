using Precision.Orleans.Abstractions;
using Precision.Orleans.Engine.Kernels;
using Precision.Orleans.Engine.Layers;
using Precision.Orleans.Engine.Rollout;

namespace Precision.Orleans.Engine.Backends;

/// <summary>
/// The default kernel set and the numerical reference: each method is the CPU layer or kernel it is named after, called
/// as it was before the seam existed, so the engines compute bit-for-bit what they computed without it.
/// </summary>
public sealed class CpuKernelSet : IKernelSet
{
    public static CpuKernelSet Instance { get; } = new();

    private CpuKernelSet() { }

    public string Name => "cpu";

    public void MatMul(bool transA, bool transB, int m, int n, int k, ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb,
        Span<float> c, int ldc, DType outDtype, bool accumulate = false) =>
        Gemm.MatMul(transA, transB, m, n, k, a, lda, b, ldb, c, ldc, outDtype, accumulate);

    public void LinearForward(ReadOnlySpan<float> x, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, Span<float> y, int m, int n, int k, DType dtype) =>
        LinearLayer.Forward(x, weight, bias, y, m, n, k, dtype);

    public void LinearBackward(ReadOnlySpan<float> dy, ReadOnlySpan<float> x, ReadOnlySpan<float> weight, Span<float> dx, Span<float> dWeight,
        Span<float> dBias, int m, int n, int k, DType dtype, bool accumulateInput) =>
        LinearLayer.Backward(dy, x, weight, dx, dWeight, dBias, m, n, k, dtype, accumulateInput);

    public void EmbeddingForward(ReadOnlySpan<int> tokens, ReadOnlySpan<float> table, Span<float> output, int vocab, int d) =>
        EmbeddingLayer.Forward(tokens, table, output, vocab, d);

    public void EmbeddingBackward(ReadOnlySpan<int> tokens, ReadOnlySpan<float> dOutput, Span<float> dTable, int d, DType dtype) =>
        EmbeddingLayer.Backward(tokens, dOutput, dTable, d, dtype);

    public void RmsNormForward(ReadOnlySpan<float> x, ReadOnlySpan<float> weight, Span<float> normed, Span<float> output, Span<float> rstd,
        int rows, int d, float eps, DType dtype) =>
        RmsNormLayer.Forward(x, weight, normed, output, rstd, rows, d, eps, dtype);

    public void RmsNormBackward(ReadOnlySpan<float> dOutput, ReadOnlySpan<float> x, ReadOnlySpan<float> normed, ReadOnlySpan<float> rstd,
        ReadOnlySpan<float> weight, Span<float> dx, Span<float> dWeight, int rows, int d, DType dtype, bool accumulateInput) =>
        RmsNormLayer.Backward(dOutput, x, normed, rstd, weight, dx, dWeight, rows, d, dtype, accumulateInput);

    public void RopeForward(ReadOnlySpan<float> x, Span<float> y, ReadOnlySpan<float> cos, ReadOnlySpan<float> sin, int rows, int seqLen, int heads, int headDim, DType dtype) =>
        RopeLayer.Forward(x, y, cos, sin, rows, seqLen, heads, headDim, dtype);

    public void RopeBackward(ReadOnlySpan<float> dy, Span<float> dx, ReadOnlySpan<float> cos, ReadOnlySpan<float> sin, int rows, int seqLen, int heads, int headDim, DType dtype) =>
        RopeLayer.Backward(dy, dx, cos, sin, rows, seqLen, heads, headDim, dtype);

    public void AttentionForward(float[] q, float[] k, float[] v, float[] probs32, float[] output, AttentionLayer.Shape shape, DType dtype) =>
        AttentionLayer.Forward(q, k, v, probs32, output, shape, dtype);

    public void AttentionBackward(float[] dOutput, float[] q, float[] k, float[] v, float[] probs32, float[] dq, float[] dk, float[] dv,
        AttentionLayer.Shape shape, DType dtype) =>
        AttentionLayer.Backward(dOutput, q, k, v, probs32, dq, dk, dv, shape, dtype);

    public void ResidualForward(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> output, DType dtype) =>
        ResidualLayer.Forward(a, b, output, dtype);

    public void SwiGluForward(ReadOnlySpan<float> gate, ReadOnlySpan<float> up, Span<float> activated, Span<float> output, DType dtype) =>
        SwiGluLayer.Forward(gate, up, activated, output, dtype);

    public void SwiGluBackward(ReadOnlySpan<float> dOutput, ReadOnlySpan<float> gate, ReadOnlySpan<float> up, ReadOnlySpan<float> activated,
        Span<float> dGate, Span<float> dUp, DType dtype) =>
        SwiGluLayer.Backward(dOutput, gate, up, activated, dGate, dUp, dtype);

    public void TokenLogProbForward(float[] logits, int[] targets, float[] logProbs, float[] logSumExp, int rows, int vocab) =>
        TokenLogProbLayer.Forward(logits, targets, logProbs, logSumExp, rows, vocab);

    public void TokenLogProbBackward(float[] dLogProbs, float[] logits, float[] logSumExp, int[] targets, float[] dLogits, int rows, int vocab, DType dtype) =>
        TokenLogProbLayer.Backward(dLogProbs, logits, logSumExp, targets, dLogits, rows, vocab, dtype);

    public void MoeRouterForward(ReadOnlySpan<float> logits, Span<float> probs, Span<int> topExperts, Span<float> topProbs, Span<float> weights,
        int rows, int experts, int k, bool normTopK, DType dtype) =>
        MoeRouterLayer.Forward(logits, probs, topExperts, topProbs, weights, rows, experts, k, normTopK, dtype);

    public void MoeRouterBackward(ReadOnlySpan<float> dWeights, ReadOnlySpan<float> probs, ReadOnlySpan<int> topExperts, ReadOnlySpan<float> topProbs,
        ReadOnlySpan<float> auxGradient, ReadOnlySpan<float> rowMask, Span<float> dLogits, int rows, int experts, int k, bool normTopK, DType dtype) =>
        MoeRouterLayer.Backward(dWeights, probs, topExperts, topProbs, auxGradient, rowMask, dLogits, rows, experts, k, normTopK, dtype);

    public void ExpertCombineForward(ReadOnlySpan<float> expertOutput, ReadOnlySpan<float> weights, ReadOnlySpan<int> tokens, ReadOnlySpan<int> slots,
        Span<float> y, int assignments, int d, int k, DType dtype) =>
        ExpertCombineLayer.Forward(expertOutput, weights, tokens, slots, y, assignments, d, k, dtype);

    public void ExpertCombineBackward(ReadOnlySpan<float> dy, ReadOnlySpan<float> expertOutput, ReadOnlySpan<float> weights, ReadOnlySpan<int> tokens,
        ReadOnlySpan<int> slots, Span<float> dExpertOutput, Span<float> dWeights, int assignments, int d, int k, DType dtype) =>
        ExpertCombineLayer.Backward(dy, expertOutput, weights, tokens, slots, dExpertOutput, dWeights, assignments, d, k, dtype);

    public bool HasNonFinite(ReadOnlySpan<float> values) => Training.LossScaler.HasNonFinite(values);

    public void Scale(Span<float> values, float factor) => System.Numerics.Tensors.TensorPrimitives.Multiply(values, factor, values);

    public float GlobalNorm(ReadOnlySpan<float> gradients, IReadOnlyList<Model.ParameterInfo> tensors) =>
        Training.GradientNorms.Global(Training.GradientNorms.PerTensor(gradients, tensors));

    public void AdamWStep(Training.AdamW optimizer, Span<float> parameters, ReadOnlySpan<float> gradients, float? learningRate) =>
        optimizer.Step(parameters, gradients, learningRate);

    public void LinearStored(ReadOnlySpan<float> x, ReadOnlySpan<float> w32, ReadOnlySpan<ushort> w16, DType weightType, Span<float> y,
        int m, int n, int k, DType outDtype)
    {
        if (weightType == DType.Fp32) Gemm.LinearSplitK(x, w32, y, m, n, k, outDtype);
        else Gemm.Linear16(x, w16, weightType, y, m, n, k, outDtype);
    }

    public void FusedRmsNorm(ReadOnlySpan<float> x, ReadOnlySpan<float> weight, float eps, Span<float> output, DType dtype) =>
        FusedKernels.RmsNorm(x, weight, eps, output, dtype);

    public void FusedAddRmsNorm(ReadOnlySpan<float> x, Span<float> residual, ReadOnlySpan<float> weight, float eps, Span<float> output, DType dtype) =>
        FusedKernels.AddRmsNorm(x, residual, weight, eps, output, dtype);

    public void FusedRotary(Span<float> heads, ReadOnlySpan<float> cos, ReadOnlySpan<float> sin, DType dtype) =>
        FusedKernels.Rotary(heads, cos, sin, dtype);

    public unsafe void Sample(ReadOnlySpan<float> logits, int vocab, SamplingOptions options, ReadOnlySpan<double> uniforms, Span<int> tokens,
        Span<float> logProbs, Span<float> probabilities, Span<ulong> sortKeys)
    {
        int rows = uniforms.Length;
        if (logits.Length < rows * vocab || probabilities.Length < rows * vocab || sortKeys.Length < rows * vocab || tokens.Length < rows || logProbs.Length < rows)
            throw new ArgumentException($"sampling buffers too short for {rows} rows of {vocab}");
        fixed (float* pl = logits, pp = probabilities, plp = logProbs)
        fixed (double* pu = uniforms)
        fixed (int* pt = tokens)
        fixed (ulong* pk = sortKeys)
        {
            nint al = (nint)pl, ap = (nint)pp, alp = (nint)plp, au = (nint)pu, at = (nint)pt, ak = (nint)pk;
            void SampleOne(int i)
            {
                long o = (long)i * vocab;
                var (token, logProb) = TokenSampler.Sample(new ReadOnlySpan<float>((float*)al + o, vocab), options, ((double*)au)[i],
                    new Span<float>((float*)ap + o, vocab), new Span<ulong>((ulong*)ak + o, vocab));
                ((int*)at)[i] = token;
                ((float*)alp)[i] = logProb;
            }
            // small vocabularies are cheaper to sample serially than to schedule
            if (rows > 1 && (long)rows * vocab >= 1 << 16) Parallel.For(0, rows, SampleOne);
            else for (int i = 0; i < rows; i++) SampleOne(i);
        }
    }

    public void SiluAndMul(ReadOnlySpan<float> gate, ReadOnlySpan<float> up, Span<float> output, DType dtype) =>
        FusedKernels.SiluAndMul(gate, up, output, dtype);
}
