using Precision.Orleans.Abstractions;
using Precision.Orleans.Engine.Rollout;

namespace Precision.Orleans.Engine.Experts;

/// <summary>
/// One expert over its rows, as vLLM's fused_moe runs it: one merged gate_up GEMM, SiluAndMul, one down GEMM, each
/// rounded to the dtype. Every GEMM row depends only on its own input row, so which other rows share the call
/// (and so which process runs it) does not change a bit.
/// </summary>
internal static class ExpertMlp
{
    /// <param name="gateUpScratch">At least n·2·moe_intermediate floats.</param>
    /// <param name="activationScratch">At least n·moe_intermediate floats.</param>
    public static void Forward(Backends.IKernelSet kernels, StoredMatrix gateUp, StoredMatrix down, ReadOnlySpan<float> x, Span<float> y, int n,
        DType dtype, float[] gateUpScratch, float[] activationScratch)
    {
        int inter = down.Cols;
        gateUp.Multiply(kernels, x, gateUpScratch, n, dtype);
        for (int i = 0; i < n; i++)
        {
            var gu = gateUpScratch.AsSpan(i * 2 * inter, 2 * inter);
            kernels.SiluAndMul(gu[..inter], gu[inter..], activationScratch.AsSpan(i * inter, inter), dtype);
        }
        down.Multiply(kernels, activationScratch, y, n, dtype);
    }
}
