using Precision.Orleans.Abstractions;
using Precision.Orleans.Engine.Backends;
using Precision.Orleans.Engine.Gpu.Kernels;
using Precision.Orleans.Engine.Layers;
using Precision.Orleans.Engine.Numerics;
using Xunit;

namespace Precision.Orleans.Engine.Gpu.Tests;

/// <summary>
/// Every training-engine kernel on ILGPU's CPU accelerator against the CPU engine (the reference). Bit-exact where the
/// two compute in the same order (GEMM's FMA chain, RoPE, residual, dtype rounding); within FP32 rounding (or one dtype
/// step after it) where the CPU reduces with vectorised sums or a vectorised exp.
/// </summary>
[Collection(SimulatedDeviceCollection.Name)]
public sealed class TrainingKernelTests(SimulatedDevice device)
{
    private readonly GpuKernelSet _gpu = device.Kernels;
    private readonly IKernelSet _cpu = CpuKernelSet.Instance;

    [Fact]
    public void Rounding_matches_the_cpu_engine_bit_for_bit_on_random_and_special_values()
    {
        var rng = new Random(7);
        var values = new List<float> { 0f, -0f, 65504f, 65519.99f, 65520f, -65520f, 6e-8f, 2.98e-8f, 1e-40f, float.Epsilon, float.MaxValue,
            float.PositiveInfinity, float.NegativeInfinity, float.NaN, 3.3895314e38f, 1.00390625f, 1.0048828f };
        for (int i = 0; i < 20000; i++) values.Add(BitConverter.Int32BitsToSingle(rng.Next(int.MinValue, int.MaxValue)));
        foreach (float x in values)
        {
            Assert.Equal(BitConverter.SingleToInt32Bits(DTypeRounding.RoundBf16(x)), BitConverter.SingleToInt32Bits(DeviceNumerics.RoundBf16(x)));
            Assert.Equal(BitConverter.SingleToInt32Bits(DTypeRounding.RoundFp16(x)), BitConverter.SingleToInt32Bits(DeviceNumerics.RoundFp16(x)));
        }
        var bits = new ushort[65536];
        for (int i = 0; i < bits.Length; i++) bits[i] = (ushort)i;
        foreach (var dtype in new[] { DType.Bf16, DType.Fp16 })
        {
            var expected = new float[bits.Length];
            DTypeStorage.Unpack(bits, expected, dtype);
            for (int i = 0; i < bits.Length; i++)
                Assert.Equal(BitConverter.SingleToInt32Bits(expected[i]), BitConverter.SingleToInt32Bits(DeviceNumerics.Widen(bits[i], (int)dtype)));
        }
    }

    [Theory]
    [InlineData(DType.Bf16)]
    [InlineData(DType.Fp16)]
    public void Packing_dtype_values_into_cublas_input_bits_matches_the_cpu_storage(DType dtype)
    {
        var rng = new Random(3);
        var values = new float[4096];
        for (int i = 0; i < values.Length; i++)
            values[i] = DTypeRounding.Round((float)((rng.NextDouble() * 2 - 1) * Math.Pow(2, rng.Next(-30, 20))), dtype);
        values[0] = float.PositiveInfinity;
        values[1] = -0f;
        values[2] = DTypeRounding.Round(6e-8f, dtype);
        var expected = new ushort[values.Length];
        DTypeStorage.Pack(values, expected, dtype);
        Assert.Equal(expected, _gpu.PackBits(values, dtype));
    }

    [Theory]
    [InlineData(DType.Fp32)]
    [InlineData(DType.Bf16)]
    [InlineData(DType.Fp16)]
    public void Gemm_is_bit_exact_for_every_transpose_and_accumulate(DType dtype)
    {
        const int m = 5, n = 7, k = 19;
        foreach (bool ta in new[] { false, true })
            foreach (bool tb in new[] { false, true })
                foreach (bool accumulate in new[] { false, true })
                {
                    var a = Compare.Random(m * k, 1, 1f, dtype);
                    var b = Compare.Random(k * n, 2, 1f, dtype);
                    var c0 = Compare.Random(m * n, 3);
                    var expected = (float[])c0.Clone();
                    var actual = (float[])c0.Clone();
                    _cpu.MatMul(ta, tb, m, n, k, a, ta ? m : k, b, tb ? k : n, expected, n, dtype, accumulate);
                    _gpu.MatMul(ta, tb, m, n, k, a, ta ? m : k, b, tb ? k : n, actual, n, dtype, accumulate);
                    Compare.BitExact(expected, actual, $"gemm {dtype} transA={ta} transB={tb} accumulate={accumulate}");
                }
    }

    [Theory]
    [InlineData(DType.Fp32)]
    [InlineData(DType.Bf16)]
    [InlineData(DType.Fp16)]
    public void Linear_with_bias_forward_and_backward_are_bit_exact(DType dtype)
    {
        const int m = 6, n = 5, k = 9;
        var x = Compare.Random(m * k, 4, 1f, dtype);
        var w = Compare.Random(n * k, 5, 0.5f, dtype);
        var bias = Compare.Random(n, 6, 0.5f, dtype);
        var yc = new float[m * n];
        var yg = new float[m * n];
        _cpu.LinearForward(x, w, bias, yc, m, n, k, dtype);
        _gpu.LinearForward(x, w, bias, yg, m, n, k, dtype);
        Compare.BitExact(yc, yg, "linear forward");
        var dy = Compare.Random(m * n, 7, 1f, dtype);
        var (dxc, dwc, dbc) = (Compare.Random(m * k, 8, 1f, dtype), new float[n * k], new float[n]);
        var (dxg, dwg, dbg) = ((float[])dxc.Clone(), new float[n * k], new float[n]);
        _cpu.LinearBackward(dy, x, w, dxc, dwc, dbc, m, n, k, dtype, accumulateInput: true);
        _gpu.LinearBackward(dy, x, w, dxg, dwg, dbg, m, n, k, dtype, accumulateInput: true);
        Compare.BitExact(dxc, dxg, "linear dx");
        Compare.BitExact(dwc, dwg, "linear dW");
        Compare.BitExact(dbc, dbg, "linear dbias");
    }

    [Theory]
    [InlineData(DType.Fp32)]
    [InlineData(DType.Bf16)]
    [InlineData(DType.Fp16)]
    public void Rope_and_residual_are_bit_exact(DType dtype)
    {
        const int rows = 6, seqLen = 3, heads = 2, hd = 8;
        var cos = new float[seqLen * hd];
        var sin = new float[seqLen * hd];
        RopeLayer.BuildTables(seqLen, hd, 10000f, dtype, cos, sin);
        var x = Compare.Random(rows * heads * hd, 9, 2f, dtype);
        var (yc, yg) = (new float[x.Length], new float[x.Length]);
        _cpu.RopeForward(x, yc, cos, sin, rows, seqLen, heads, hd, dtype);
        _gpu.RopeForward(x, yg, cos, sin, rows, seqLen, heads, hd, dtype);
        Compare.BitExact(yc, yg, "rope forward");
        _cpu.RopeBackward(x, yc, cos, sin, rows, seqLen, heads, hd, dtype);
        _gpu.RopeBackward(x, yg, cos, sin, rows, seqLen, heads, hd, dtype);
        Compare.BitExact(yc, yg, "rope backward");
        var b = Compare.Random(x.Length, 10, 2f, dtype);
        _cpu.ResidualForward(x, b, yc, dtype);
        _gpu.ResidualForward(x, b, yg, dtype);
        Compare.BitExact(yc, yg, "residual");
    }

    [Theory]
    [InlineData(DType.Fp32)]
    [InlineData(DType.Bf16)]
    [InlineData(DType.Fp16)]
    public void SwiGlu_forward_and_backward_agree_within_the_dtype_step(DType dtype)
    {
        const int n = 300;
        var g = Compare.Random(n, 11, 4f, dtype);
        var u = Compare.Random(n, 12, 2f, dtype);
        var (ac, hc, ag, hg) = (new float[n], new float[n], new float[n], new float[n]);
        _cpu.SwiGluForward(g, u, ac, hc, dtype);
        _gpu.SwiGluForward(g, u, ag, hg, dtype);
        float tol = Compare.Tolerance(dtype);
        Compare.Close(ac, ag, tol, "silu");
        Compare.Close(hc, hg, tol, "swiglu");
        var dh = Compare.Random(n, 13, 1f, dtype);
        var (dgc, duc, dgg, dug) = (new float[n], new float[n], new float[n], new float[n]);
        _cpu.SwiGluBackward(dh, g, u, ac, dgc, duc, dtype);
        _gpu.SwiGluBackward(dh, g, u, ac, dgg, dug, dtype);
        Compare.BitExact(duc, dug, "swiglu dUp");
        Compare.Close(dgc, dgg, tol, "swiglu dGate");
    }

    [Theory]
    [InlineData(DType.Fp32)]
    [InlineData(DType.Bf16)]
    [InlineData(DType.Fp16)]
    public void RmsNorm_forward_and_backward_agree(DType dtype)
    {
        const int rows = 4, d = 48;
        var x = Compare.Random(rows * d, 14, 3f, dtype);
        var w = Compare.Random(d, 15, 1f, dtype);
        var (hc, yc, sc) = (new float[rows * d], new float[rows * d], new float[rows]);
        var (hg, yg, sg) = (new float[rows * d], new float[rows * d], new float[rows]);
        _cpu.RmsNormForward(x, w, hc, yc, sc, rows, d, 1e-6f, dtype);
        _gpu.RmsNormForward(x, w, hg, yg, sg, rows, d, 1e-6f, dtype);
        float tol = Compare.Tolerance(dtype);
        Compare.Close(sc, sg, 1e-5f, "rstd");
        Compare.Close(hc, hg, tol, "normed");
        Compare.Close(yc, yg, tol, "rmsnorm out");
        var dy = Compare.Random(rows * d, 16, 1f, dtype);
        var (dxc, dwc) = (Compare.Random(rows * d, 17, 1f, dtype), new float[d]);
        var (dxg, dwg) = ((float[])dxc.Clone(), new float[d]);
        _cpu.RmsNormBackward(dy, x, hc, sc, w, dxc, dwc, rows, d, dtype, accumulateInput: true);
        _gpu.RmsNormBackward(dy, x, hc, sc, w, dxg, dwg, rows, d, dtype, accumulateInput: true);
        Compare.Close(dxc, dxg, tol, "rmsnorm dx", floor: 1e-2f);
        Compare.BitExact(dwc, dwg, "rmsnorm dW");
    }

    [Theory]
    [InlineData(DType.Fp32)]
    [InlineData(DType.Bf16)]
    public void Embedding_gathers_exactly_and_scatters_each_token_sum_once(DType dtype)
    {
        const int vocab = 11, d = 6;
        int[] tokens = [3, 7, 3, 0, 10, 3, 7];
        var table = Compare.Random(vocab * d, 18, 1f, dtype);
        var (oc, og) = (new float[tokens.Length * d], new float[tokens.Length * d]);
        _cpu.EmbeddingForward(tokens, table, oc, vocab, d);
        _gpu.EmbeddingForward(tokens, table, og, vocab, d);
        Compare.BitExact(oc, og, "embedding forward");
        var dOut = Compare.Random(tokens.Length * d, 19, 1f, dtype);
        var (dtc, dtg) = (Compare.Random(vocab * d, 20), new float[vocab * d]);
        dtc.CopyTo(dtg, 0);
        _cpu.EmbeddingBackward(tokens, dOut, dtc, d, dtype);
        _gpu.EmbeddingBackward(tokens, dOut, dtg, d, dtype);
        Compare.Close(dtc, dtg, Compare.Tolerance(dtype), "embedding backward");
        Assert.Throws<ArgumentOutOfRangeException>(() => _gpu.EmbeddingForward([vocab], table, og, vocab, d));
    }

    [Theory]
    [InlineData(DType.Fp32, 4, 2)]
    [InlineData(DType.Bf16, 4, 2)]
    [InlineData(DType.Fp16, 2, 2)]
    public void Attention_forward_and_backward_agree_with_fp32_softmax_statistics(DType dtype, int heads, int kvHeads)
    {
        var shape = new AttentionLayer.Shape(2, 5, heads, kvHeads, 8);
        int tokens = shape.Batch * shape.SeqLen;
        var q = Compare.Random(tokens * shape.QStride, 21, 1f, dtype);
        var k = Compare.Random(tokens * shape.KvStride, 22, 1f, dtype);
        var v = Compare.Random(tokens * shape.KvStride, 23, 1f, dtype);
        var (pc, pg) = (new float[shape.ProbCount], new float[shape.ProbCount]);
        var (oc, og) = (new float[tokens * shape.QStride], new float[tokens * shape.QStride]);
        _cpu.AttentionForward(q, k, v, pc, oc, shape, dtype);
        _gpu.AttentionForward(q, k, v, pg, og, shape, dtype);
        float tol = Compare.Tolerance(dtype);
        Compare.Close(pc, pg, dtype == DType.Fp32 ? 1e-5f : 1e-5f * 4, "probabilities (fp32)");
        Compare.Close(oc, og, tol, "attention output", floor: 1e-2f);
        var dO = Compare.Random(tokens * shape.QStride, 24, 1f, dtype);
        var (dqc, dkc, dvc) = (new float[q.Length], new float[k.Length], new float[v.Length]);
        var (dqg, dkg, dvg) = (new float[q.Length], new float[k.Length], new float[v.Length]);
        _cpu.AttentionBackward(dO, q, k, v, pc, dqc, dkc, dvc, shape, dtype);
        _gpu.AttentionBackward(dO, q, k, v, pc, dqg, dkg, dvg, shape, dtype);
        Compare.Close(dqc, dqg, 2 * tol, "dq", floor: 5e-2f);
        Compare.Close(dkc, dkg, 2 * tol, "dk", floor: 5e-2f);
        Compare.Close(dvc, dvg, tol, "dv", floor: 1e-2f);
    }

    [Theory]
    [InlineData(DType.Fp32)]
    [InlineData(DType.Bf16)]
    [InlineData(DType.Fp16)]
    public void Token_log_prob_forward_and_backward_agree(DType dtype)
    {
        const int rows = 4, vocab = 37;
        var logits = Compare.Random(rows * vocab, 25, 6f, dtype);
        int[] targets = [3, -1, 36, 0];
        var (lpc, lsc, lpg, lsg) = (new float[rows], new float[rows], new float[rows], new float[rows]);
        _cpu.TokenLogProbForward(logits, targets, lpc, lsc, rows, vocab);
        _gpu.TokenLogProbForward(logits, targets, lpg, lsg, rows, vocab);
        Compare.Close(lpc, lpg, 1e-5f, "log p");
        Compare.Close(lsc, lsg, 1e-5f, "logsumexp");
        float[] dlp = [0.5f, 1f, -2f, 1024f];
        var (dc, dg) = (new float[rows * vocab], new float[rows * vocab]);
        _cpu.TokenLogProbBackward(dlp, logits, lsc, targets, dc, rows, vocab, dtype);
        _gpu.TokenLogProbBackward(dlp, logits, lsc, targets, dg, rows, vocab, dtype);
        Compare.Close(dc, dg, Compare.Tolerance(dtype), "dlogits", floor: 1e-4f);
    }
}
