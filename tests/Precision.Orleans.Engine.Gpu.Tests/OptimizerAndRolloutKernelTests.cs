using Precision.Orleans.Abstractions;
using Precision.Orleans.Engine.Backends;
using Precision.Orleans.Engine.Rollout;
using Precision.Orleans.Engine.Training;
using Xunit;

namespace Precision.Orleans.Engine.Gpu.Tests;

/// <summary>The optimizer-step kernels and the rollout engine's fused kernels on ILGPU's CPU accelerator against the CPU engine.</summary>
[Collection(SimulatedDeviceCollection.Name)]
public sealed class OptimizerAndRolloutKernelTests(SimulatedDevice device)
{
    private readonly GpuKernelSet _gpu = device.Kernels;
    private readonly IKernelSet _cpu = CpuKernelSet.Instance;

    [Fact]
    public void AdamW_steps_are_bit_identical_to_the_cpu_optimizer()
    {
        const int n = 257;
        var options = new AdamWOptions { LearningRate = 3e-3f, WeightDecay = 0.1f };
        var (cpu, gpu) = (new AdamW(n, options), new AdamW(n, options));
        var pc = Compare.Random(n, 30);
        var pg = (float[])pc.Clone();
        for (int step = 0; step < 3; step++)
        {
            var grad = Compare.Random(n, 31 + step, 0.01f);
            cpu.Step(pc, grad);
            _gpu.AdamWStep(gpu, pg, grad, null);
        }
        Compare.BitExact(pc, pg, "parameters");
        Compare.BitExact(cpu.M, gpu.M, "first moment");
        Compare.BitExact(cpu.V, gpu.V, "second moment");
        Assert.Equal(cpu.StepCount, gpu.StepCount);
    }

    [Fact]
    public void Loss_scaler_check_unscale_and_global_norm_agree()
    {
        var g = Compare.Random(1000, 40, 100f);
        Assert.False(_gpu.HasNonFinite(g));
        Assert.Equal(LossScaler.HasNonFinite(g), _gpu.HasNonFinite(g));
        foreach (float bad in new[] { float.PositiveInfinity, float.NegativeInfinity, float.NaN })
        {
            var h = (float[])g.Clone();
            h[617] = bad;
            Assert.True(_gpu.HasNonFinite(h));
        }
        var expected = (float[])g.Clone();
        float inv = (float)(1.0 / 65536.0);
        System.Numerics.Tensors.TensorPrimitives.Multiply(expected, inv, expected);
        var actual = (float[])g.Clone();
        _gpu.Scale(actual, inv);
        Compare.BitExact(expected, actual, "unscale");
        Model.ParameterInfo[] tensors = [new("a", [300], 0), new("b", [1], 300), new("c", [3, 233], 301)];
        float reference = _cpu.GlobalNorm(actual, tensors);
        Assert.True(reference > 0f);
        Assert.Equal(reference, _gpu.GlobalNorm(actual, tensors), 1e-5f * reference);
    }

    [Theory]
    [InlineData(DType.Fp32)]
    [InlineData(DType.Bf16)]
    [InlineData(DType.Fp16)]
    public void Fused_norms_rotary_and_silu_round_once_like_the_cpu_rollout_kernels(DType dtype)
    {
        const int d = 40;
        var x = Compare.Random(d, 50, 2f, dtype);
        var w = Compare.Random(d, 51, 1f, dtype);
        var (rc, rg) = (Compare.Random(d, 52, 2f, dtype), new float[d]);
        rc.CopyTo(rg, 0);
        var (oc, og) = (new float[d], new float[d]);
        _cpu.FusedAddRmsNorm(x, rc, w, 1e-6f, oc, dtype);
        _gpu.FusedAddRmsNorm(x, rg, w, 1e-6f, og, dtype);
        Compare.BitExact(rc, rg, "fused residual");
        float tol = Compare.Tolerance(dtype);
        Compare.Close(oc, og, tol, "fused add+norm", floor: 1e-2f);
        _cpu.FusedRmsNorm(x, w, 1e-6f, oc, dtype);
        _gpu.FusedRmsNorm(x, w, 1e-6f, og, dtype);
        Compare.Close(oc, og, tol, "fused norm", floor: 1e-2f);

        var table = new RotaryTable(8, 10000f, dtype);
        table.EnsurePositions(8);
        var (hc, hg) = (Compare.Random(3 * 8, 53, 2f, dtype), new float[3 * 8]);
        hc.CopyTo(hg, 0);
        _cpu.FusedRotary(hc, table.Cos(5), table.Sin(5), dtype);
        _gpu.FusedRotary(hg, table.Cos(5), table.Sin(5), dtype);
        Compare.BitExact(hc, hg, "fused rotary");

        var gate = Compare.Random(d, 54, 4f, dtype);
        _cpu.SiluAndMul(gate, x, oc, dtype);
        _gpu.SiluAndMul(gate, x, og, dtype);
        Compare.Close(oc, og, tol, "silu and mul", floor: 1e-2f);
    }

    [Theory]
    [InlineData(DType.Fp32, 37)]
    [InlineData(DType.Bf16, 64)]
    [InlineData(DType.Fp16, 5)]
    public void The_decode_gemm_reproduces_the_cpu_split_k_order_bit_for_bit(DType dtype, int k)
    {
        const int m = 3, n = 9;
        var x = Compare.Random(m * k, 80, 1f, dtype);
        var w = Compare.Random(n * k, 81, 1f, dtype);
        var w16 = new ushort[w.Length];
        if (dtype != DType.Fp32) Numerics.DTypeStorage.Pack(w, w16, dtype);
        var (yc, yg) = (new float[m * n], new float[m * n]);
        foreach (var outDtype in new[] { DType.Fp32, dtype })
        {
            _cpu.LinearStored(x, w, w16, dtype, yc, m, n, k, outDtype);
            _gpu.LinearStored(x, w, w16, dtype, yg, m, n, k, outDtype);
            Compare.BitExact(yc, yg, $"decode gemm {dtype} → {outDtype}");
        }
        // and the order really is not the training GEMM's: over many outputs some last bits differ
        if (dtype == DType.Fp32)
        {
            var big = Compare.Random(64 * 257, 82);
            var wb = Compare.Random(32 * 257, 83);
            var (splitK, sequential) = (new float[64 * 32], new float[64 * 32]);
            _gpu.LinearStored(big, wb, [], DType.Fp32, splitK, 64, 32, 257, DType.Fp32);
            _gpu.MatMul(false, true, 64, 32, 257, big, 257, wb, 257, sequential, 32, DType.Fp32);
            Assert.Contains(Enumerable.Range(0, splitK.Length), i => splitK[i] != sequential[i]);
        }
    }

    [Theory]
    [InlineData(DType.Bf16, 70)]
    [InlineData(DType.Fp16, 130)]
    public void Decode_attention_over_a_dtype_kv_cache_matches_the_online_softmax_of_the_cpu(DType dtype, int length)
    {
        const int heads = 4, kvHeads = 2, hd = 8, layers = 2, slots = 2, layer = 1;
        int capacity = length + 3, kvDim = kvHeads * hd;
        var cache = new KvCache(dtype, slots, layers, capacity, kvDim);
        for (int s = 0; s < slots; s++)
            for (int p = 0; p < capacity; p++)
                for (int l = 0; l < layers; l++)
                    cache.Write(s, l, p, Compare.Random(kvDim, 1000 * s + 10 * p + l, 1f, dtype), Compare.Random(kvDim, 7919 + 1000 * s + 10 * p + l, 1f, dtype));
        // the device reads the same 16-bit bits, packed from what the cache holds
        var keys = new ushort[slots * layers * capacity * kvDim];
        var values = new ushort[keys.Length];
        var scratch = new float[hd];
        for (int s = 0; s < slots; s++)
            for (int l = 0; l < layers; l++)
                for (int p = 0; p < capacity; p++)
                    for (int kh = 0; kh < kvHeads; kh++)
                    {
                        int o = ((s * layers + l) * capacity + p) * kvDim + kh * hd;
                        Numerics.DTypeStorage.Pack(cache.Key(s, l, p, kh * hd, scratch), keys.AsSpan(o, hd), dtype);
                        Numerics.DTypeStorage.Pack(cache.Value(s, l, p, kh * hd, scratch), values.AsSpan(o, hd), dtype);
                    }
        int[] rowSlots = [1, 0];
        int[] lengths = [length, length / 2];
        var queries = Compare.Random(2 * heads * hd, 60, 2f, dtype);
        var expected = new float[queries.Length];
        for (int r = 0; r < 2; r++)
            for (int kh = 0; kh < kvHeads; kh++)
            {
                int width = heads / kvHeads * hd, o = r * heads * hd + kh * width;
                DecodeAttention.Group(cache, rowSlots[r], layer, kh, lengths[r], queries.AsSpan(o, width), expected.AsSpan(o, width), hd, dtype);
            }
        var actual = new float[queries.Length];
        _gpu.DecodeAttention(queries, keys, values, rowSlots, lengths, actual, heads, kvHeads, hd, layers, capacity, layer, dtype);
        Compare.Close(expected, actual, Compare.Tolerance(dtype), "decode attention", floor: 1e-2f);
    }
}
