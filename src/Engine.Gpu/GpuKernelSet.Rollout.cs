using Precision.Orleans.Abstractions;
using Precision.Orleans.Engine.Gpu.Kernels;

namespace Precision.Orleans.Engine.Gpu;

public sealed partial class GpuKernelSet
{
    public void LinearStored(ReadOnlySpan<float> x, ReadOnlySpan<float> w32, ReadOnlySpan<ushort> w16, DType weightType, Span<float> y,
        int m, int n, int k, DType outDtype)
    {
        if (m == 0 || n == 0) return;
        long weights = (long)n * k;
        if (x.Length < (long)m * k || y.Length < (long)m * n || (weightType == DType.Fp32 ? w32.Length : w16.Length) < weights)
            throw new ArgumentException($"decode GEMM buffers too short for [{m}, {k}]·[{n}, {k}]ᵀ");
        using var dx = Upload(x[..(m * k)]);
        using var dw32 = weightType == DType.Fp32 ? Upload(w32[..(int)weights]) : Allocate<float>(1);
        using var dw16 = weightType == DType.Fp32 ? Allocate<ushort>(1) : Upload(w16[..(int)weights]);
        using var dy = Allocate<float>((long)m * n);
        _splitK(Extent((long)m * n), dx.View, dw32.View, dw16.View, dy.View, new SplitKShape
        {
            M = m, N = n, K = k, Lanes = global::Precision.Orleans.Engine.Kernels.GemmSplitK.Lanes, WeightDType = Code(weightType), OutDType = Code(outDtype),
        });
        Download(dy, y[..(m * n)]);
    }

    public void FusedRmsNorm(ReadOnlySpan<float> x, ReadOnlySpan<float> weight, float eps, Span<float> output, DType dtype)
    {
        Span<float> residual = x.ToArray();
        FusedNorm(residual, residual, weight, eps, output, dtype, addResidual: false);
    }

    public void FusedAddRmsNorm(ReadOnlySpan<float> x, Span<float> residual, ReadOnlySpan<float> weight, float eps, Span<float> output, DType dtype) =>
        FusedNorm(x, residual, weight, eps, output, dtype, addResidual: true);

    private void FusedNorm(ReadOnlySpan<float> x, Span<float> residual, ReadOnlySpan<float> weight, float eps, Span<float> output, DType dtype, bool addResidual)
    {
        int d = x.Length;
        using var dx = Upload(x);
        using var dr = Upload<float>(residual[..d]);
        using var dw = Upload(weight[..d]);
        using var dOut = Allocate<float>(d);
        _addRmsNorm(Extent(1), dx.View, dr.View, dw.View, dOut.View, d, eps, Code(dtype), addResidual ? 1 : 0);
        if (addResidual) Download(dr, residual[..d]);
        Download(dOut, output[..d]);
    }

    public void FusedRotary(Span<float> heads, ReadOnlySpan<float> cos, ReadOnlySpan<float> sin, DType dtype)
    {
        int half = cos.Length, headDim = 2 * half, count = heads.Length / headDim;
        if (count == 0) return;
        using var dh = Upload<float>(heads[..(count * headDim)]);
        using var dc = Upload(cos);
        using var ds = Upload(sin[..half]);
        _rotary(Extent((long)count * half), dh.View, dc.View, ds.View, half, Code(dtype));
        Download(dh, heads[..(count * headDim)]);
    }

    public void SiluAndMul(ReadOnlySpan<float> gate, ReadOnlySpan<float> up, Span<float> output, DType dtype)
    {
        int n = gate.Length;
        using var dg = Upload(gate);
        using var du = Upload(up[..n]);
        using var dOut = Allocate<float>(n);
        _siluAndMul(Extent(n), dg.View, du.View, dOut.View, Code(dtype));
        Download(dOut, output[..n]);
    }

    /// <summary>
    /// Decode attention for <paramref name="rows"/> sequences at layer <paramref name="layer"/>: each row's query heads
    /// [rows, Hq·hd] over positions 0..lengths[r]−1 of slot slots[r] of a 16-bit KV cache laid out
    /// [slot][layer][position][Hkv·hd] (as the rollout engine's KvCache); output [rows, Hq·hd] rounded to the dtype.
    /// </summary>
    public void DecodeAttention(ReadOnlySpan<float> queries, ReadOnlySpan<ushort> keys, ReadOnlySpan<ushort> values, ReadOnlySpan<int> slots,
        ReadOnlySpan<int> lengths, Span<float> output, int heads, int kvHeads, int headDim, int layers, int capacity, int layer, DType dtype)
    {
        if (dtype == DType.Fp32) throw new ArgumentException("decode attention on the device reads a 16-bit KV cache (bf16 or fp16)", nameof(dtype));
        int rows = slots.Length;
        using var dq = Upload(queries[..(rows * heads * headDim)]);
        using var dk = Upload(keys);
        using var dv = Upload(values);
        using var dSlots = Upload(slots);
        using var dLengths = Upload(lengths[..rows]);
        using var dOut = Allocate<float>((long)rows * heads * headDim);
        _decodeAttention(Extent((long)rows * heads * headDim), dq.View, dk.View, dv.View, dSlots.View, dLengths.View, dOut.View, new DecodeShape
        {
            Heads = heads, KvHeads = kvHeads, HeadDim = headDim, Layers = layers, Capacity = capacity, Layer = layer,
            DType = Code(dtype), Scale = 1f / MathF.Sqrt(headDim),
        });
        Download(dOut, output[..(rows * heads * headDim)]);
    }

    /// <summary>
    /// Samples one token per row of <paramref name="logits"/> [rows, vocab] with the row's uniform (drawn by the host's
    /// seeded counter RNG, as the CPU sampler's), writing the token and its log-probability μ.
    /// </summary>
    public void Sample(ReadOnlySpan<float> logits, int vocab, Rollout.SamplingOptions options, ReadOnlySpan<double> uniforms,
        Span<int> tokens, Span<float> logProbs, Span<float> probabilities, Span<ulong> sortKeys) =>
        Sample(logits, vocab, options, uniforms, tokens, logProbs);

    /// <summary>As the <see cref="Backends.IKernelSet"/> method; the device keeps its own scratch.</summary>
    public void Sample(ReadOnlySpan<float> logits, int vocab, Rollout.SamplingOptions options, ReadOnlySpan<double> uniforms,
        Span<int> tokens, Span<float> logProbs)
    {
        int rows = uniforms.Length;
        using var dl = Upload(logits[..(rows * vocab)]);
        using var du = Upload(uniforms);
        using var dp = Allocate<float>((long)rows * vocab);
        using var dt = Allocate<int>(rows);
        using var dlp = Allocate<float>(rows);
        using var flag = Upload<int>([0]);
        _sample(Extent(rows), dl.View, du.View, dp.View, dt.View, dlp.View, flag.View, new SamplingArgs
        {
            Vocab = vocab, TopK = options.TopK, Temperature = options.Temperature, TopP = options.TopP,
        });
        Span<int> bad = stackalloc int[1];
        Download(flag, bad);
        if (bad[0] != 0) throw new InvalidOperationException("rollout: logits are not finite");
        Download(dt, tokens[..rows]);
        Download(dlp, logProbs[..rows]);
    }
}
