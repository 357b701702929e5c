using ILGPU;

namespace Precision.Orleans.Engine.Gpu.Kernels;

/// <summary>
/// Row-wise training ops with FP32 statistics: RMSNorm forward/backward, embedding gather/scatter, log-softmax gather
/// and its backward. Reductions run over the row in ascending order (the CPU engine's vectorised sums use another
/// order, so these agree within FP32 rounding, not bit for bit); everything elementwise rounds where the CPU rounds.
/// </summary>
public static class RowKernels
{
    /// <summary>One thread per row: s = 1/√(mean(x²)+eps); h = round(x·s); y = round(h·w).</summary>
    public static void RmsNormForward(Index1D row, ArrayView<float> x, ArrayView<float> weight, ArrayView<float> normed, ArrayView<float> output,
        ArrayView<float> rstd, int d, float eps, int dtype)
    {
        long o = (long)row.X * d;
        float sumSquares = 0f;
        for (int j = 0; j < d; j++) sumSquares += x[o + j] * x[o + j];
        float s = 1f / MathF.Sqrt(sumSquares / d + eps);
        rstd[row] = s;
        for (int j = 0; j < d; j++)
        {
            float h = DeviceNumerics.Round(x[o + j] * s, dtype);
            normed[o + j] = h;
            output[o + j] = DeviceNumerics.Round(h * weight[j], dtype);
        }
    }

    /// <summary>
    /// One thread per row: dh = round(dy·w); dx = round(s·dh + x·(−s³·Σ(dh·x)/d)), added to dx and rounded again when
    /// <paramref name="accumulate"/> is set.
    /// </summary>
    public static void RmsNormBackwardInput<TMath>(Index1D row, ArrayView<float> dy, ArrayView<float> x, ArrayView<float> rstd, ArrayView<float> weight,
        ArrayView<float> dx, int d, int dtype, int accumulate) where TMath : struct, IDeviceMath
    {
        long o = (long)row.X * d;
        float s = rstd[row];
        float dot = 0f;
        for (int j = 0; j < d; j++) dot += DeviceNumerics.Round(dy[o + j] * weight[j], dtype) * x[o + j];
        float c = -s * s * s * dot / d;
        for (int j = 0; j < d; j++)
        {
            float dh = DeviceNumerics.Round(dy[o + j] * weight[j], dtype);
            float t = DeviceNumerics.Round(default(TMath).MulAdd(x[o + j], c, dh * s), dtype);
            dx[o + j] = accumulate != 0 ? DeviceNumerics.Round(dx[o + j] + t, dtype) : t;
        }
    }

    /// <summary>One thread per column: dW[j] += round(Σ_rows round(dy·h)), rows ascending (the CPU order).</summary>
    public static void RmsNormBackwardWeight(Index1D j, ArrayView<float> dy, ArrayView<float> normed, ArrayView<float> dWeight, int rows, int d, int dtype)
    {
        float sum = 0f;
        for (int r = 0; r < rows; r++) sum += DeviceNumerics.Round(dy[(long)r * d + j] * normed[(long)r * d + j], dtype);
        dWeight[j] += DeviceNumerics.Round(sum, dtype);
    }

    /// <summary>output[r, j] = table[tokens[r], j] (ids were checked on the host).</summary>
    public static void EmbeddingForward(Index1D index, ArrayView<int> tokens, ArrayView<float> table, ArrayView<float> output, int d) =>
        output[index] = table[(long)tokens[index / d] * d + index % d];

    /// <summary>
    /// One thread per (token segment, column): the rows of one token (sorted on the host, ascending) are summed in FP32
    /// and the sum rounded once into the FP32 gradient (PyTorch's embedding_dense_backward). In fp32 the rows are added
    /// straight into the gradient in row order, as the CPU layer does.
    /// </summary>
    public static void EmbeddingBackward(Index1D index, ArrayView<int> segmentStarts, ArrayView<int> sortedRows, ArrayView<int> segmentTokens,
        ArrayView<float> dOutput, ArrayView<float> dTable, int d, int dtype)
    {
        int segment = (int)(index / d), j = (int)(index % d);
        long dst = (long)segmentTokens[segment] * d + j;
        int start = segmentStarts[segment], end = segmentStarts[segment + 1];
        if (dtype == DeviceNumerics.Fp32)
        {
            float acc = dTable[dst];
            for (int e = start; e < end; e++) acc += dOutput[(long)sortedRows[e] * d + j];
            dTable[dst] = acc;
            return;
        }
        float sum = 0f;
        for (int e = start; e < end; e++) sum += dOutput[(long)sortedRows[e] * d + j];
        dTable[dst] += DeviceNumerics.Round(sum, dtype);
    }

    /// <summary>One thread per row: logsumexp in FP32 of the dtype logits, logp = (x_t − max) − log Σ e^(x − max); 0 for target −1.</summary>
    public static void TokenLogProbForward(Index1D row, ArrayView<float> logits, ArrayView<int> targets, ArrayView<float> logProbs,
        ArrayView<float> logSumExp, int vocab)
    {
        int t = targets[row];
        if (t < 0)
        {
            logProbs[row] = 0f;
            logSumExp[row] = 0f;
            return;
        }
        long o = (long)row.X * vocab;
        float max = logits[o];
        for (int j = 1; j < vocab; j++) max = MathF.Max(max, logits[o + j]);
        float sum = 0f;
        for (int j = 0; j < vocab; j++) sum += MathF.Exp(logits[o + j] - max);
        float logSum = MathF.Log(sum);
        logSumExp[row] = max + logSum;
        logProbs[row] = (logits[o + t] - max) - logSum;
    }

    /// <summary>One thread per element: dlogits = round(g·(onehot(t) − softmax)); rows with target −1 or g = 0 get 0.</summary>
    public static void TokenLogProbBackward(Index1D index, ArrayView<float> dLogProbs, ArrayView<float> logits, ArrayView<float> logSumExp,
        ArrayView<int> targets, ArrayView<float> dLogits, int vocab, int dtype)
    {
        long row = index / vocab;
        int j = (int)(index % vocab), t = targets[row];
        float g = dLogProbs[row];
        if (t < 0 || g == 0f)
        {
            dLogits[index] = 0f;
            return;
        }
        float lse = logSumExp[row];
        float value;
        if (j == t)
        {
            float pt = MathF.Exp(logits[index] - lse);
            value = g - g * pt;
        }
        else value = MathF.Exp(logits[index] - lse) * -g;
        dLogits[index] = DeviceNumerics.Round(value, dtype);
    }
}
