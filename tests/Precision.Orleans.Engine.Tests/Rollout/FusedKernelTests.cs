using Precision.Orleans.Abstractions;
using Precision.Orleans.Engine.Numerics;
using Precision.Orleans.Engine.Rollout;
using Xunit;

namespace Precision.Orleans.Engine.Tests.Rollout;

/// <summary>The fused kernels against plain scalar formulas (double precision) on random data.</summary>
public class FusedKernelTests
{
    private static float[] Random(int n, int seed, float scale = 1f)
    {
        var rng = new Random(seed);
        return [.. Enumerable.Range(0, n).Select(_ => (float)((rng.NextDouble() * 2 - 1) * scale))];
    }

    private static float[] Rounded(float[] x, DType dt) => [.. x.Select(v => DTypeRounding.Round(v, dt))];

    private static double[] ScalarRmsNorm(float[] x, float[] w, float eps)
    {
        double ms = x.Sum(v => (double)v * v) / x.Length;
        double inv = 1 / Math.Sqrt(ms + eps);
        return [.. x.Select((v, i) => v * inv * w[i])];
    }

    [Fact]
    public void Add_rms_norm_matches_the_scalar_formula_in_fp32()
    {
        var x = Random(67, 1);
        var residual = Random(67, 2);
        var w = Random(67, 3, 2f);
        var expectedResidual = x.Select((v, i) => v + residual[i]).ToArray();
        var expected = ScalarRmsNorm(expectedResidual, w, 1e-6f);
        var output = new float[67];
        FusedKernels.AddRmsNorm(x, residual, w, 1e-6f, output, DType.Fp32);
        for (int i = 0; i < 67; i++)
        {
            Assert.Equal(expectedResidual[i], residual[i], 1e-6f);
            Assert.Equal(expected[i], output[i], 1e-6);
        }
    }

    [Theory]
    [InlineData(DType.Bf16)]
    [InlineData(DType.Fp16)]
    public void Add_rms_norm_rounds_the_residual_and_the_output_once_each(DType dt)
    {
        var x = Rounded(Random(64, 4), dt);
        var residual = Rounded(Random(64, 5), dt);
        var w = Rounded(Random(64, 6, 2f), dt);
        var newResidual = x.Select((v, i) => DTypeRounding.Round(v + residual[i], dt)).ToArray();
        var exact = ScalarRmsNorm(newResidual, w, 1e-6f);
        var output = new float[64];
        FusedKernels.AddRmsNorm(x, residual, w, 1e-6f, output, dt);
        Assert.Equal(newResidual, residual);
        int differFromOneRounding = 0;
        for (int i = 0; i < 64; i++)
        {
            Assert.Equal(output[i], DTypeRounding.Round(output[i], dt)); // representable
            if (output[i] != DTypeRounding.Round((float)exact[i], dt)) differFromOneRounding++;
        }
        // Rounding once from the FP32 value agrees with rounding the exact value except at rare near-ties.
        Assert.True(differFromOneRounding <= 1, $"{differFromOneRounding} outputs are not the single rounding of the exact value");
    }

    [Fact]
    public void Rms_norm_alone_matches_the_scalar_formula()
    {
        var x = Random(40, 7, 5f);
        var w = Random(40, 8);
        var expected = ScalarRmsNorm(x, w, 1e-5f);
        var output = new float[40];
        FusedKernels.RmsNorm(x, w, 1e-5f, output, DType.Fp32);
        for (int i = 0; i < 40; i++) Assert.Equal(expected[i], output[i], 1e-6);
    }

    [Fact]
    public void Rotary_rotates_pairs_i_and_i_plus_half_per_head()
    {
        const int hd = 8, heads = 3, pos = 5;
        var table = new RotaryTable(hd, 10000f);
        table.EnsurePositions(pos + 1);
        var x = Random(hd * heads, 9);
        var y = (float[])x.Clone();
        FusedKernels.Rotary(y, table.Cos(pos), table.Sin(pos), DType.Fp32);
        for (int h = 0; h < heads; h++)
            for (int i = 0; i < hd / 2; i++)
            {
                double angle = pos * Math.Pow(10000.0, -2.0 * i / hd);
                double a = x[h * hd + i], b = x[h * hd + i + hd / 2];
                Assert.Equal(a * Math.Cos(angle) - b * Math.Sin(angle), y[h * hd + i], 1e-6);
                Assert.Equal(b * Math.Cos(angle) + a * Math.Sin(angle), y[h * hd + i + hd / 2], 1e-6);
            }
    }

    [Fact]
    public void Silu_and_mul_matches_the_scalar_formula()
    {
        var g = Random(50, 10, 6f);
        var u = Random(50, 11, 3f);
        var output = new float[50];
        FusedKernels.SiluAndMul(g, u, output, DType.Fp32);
        for (int i = 0; i < 50; i++)
        {
            double expected = g[i] / (1 + Math.Exp(-g[i])) * u[i];
            Assert.Equal(expected, output[i], 1e-6 * Math.Max(1, Math.Abs(expected)));
        }
    }

    [Theory]
    [InlineData(DType.Fp32, 1, 1)]
    [InlineData(DType.Fp32, 150, 2)] // several online-softmax tiles, GQA
    [InlineData(DType.Bf16, 150, 3)]
    public void Online_softmax_attention_matches_plain_softmax(DType dt, int length, int group)
    {
        const int hd = 8, kvHeads = 2;
        int kvDim = kvHeads * hd;
        var cache = new KvCache(dt, slots: 2, layers: 2, capacity: 160, kvDim);
        var keys = new float[length][];
        var values = new float[length][];
        for (int t = 0; t < length; t++)
        {
            keys[t] = Rounded(Random(kvDim, 100 + t, 2f), dt);
            values[t] = Rounded(Random(kvDim, 500 + t), dt);
            cache.Write(1, 1, t, keys[t], values[t]);
        }
        for (int kvHead = 0; kvHead < kvHeads; kvHead++)
        {
            var queries = Rounded(Random(group * hd, 12 + kvHead, 2f), dt);
            var output = new float[group * hd];
            DecodeAttention.Group(cache, 1, 1, kvHead, length, queries, output, hd, dt);
            for (int g = 0; g < group; g++)
            {
                var query = queries.AsSpan(g * hd, hd).ToArray();
                var scores = keys.Select(k => Enumerable.Range(0, hd).Sum(i => (double)query[i] * k[kvHead * hd + i]) / Math.Sqrt(hd)).ToArray();
                double max = scores.Max();
                var p = scores.Select(s => Math.Exp(s - max)).ToArray();
                double sum = p.Sum();
                for (int i = 0; i < hd; i++)
                {
                    double expected = Enumerable.Range(0, length).Sum(t => p[t] * values[t][kvHead * hd + i]) / sum;
                    double tolerance = dt == DType.Fp32 ? 1e-6 : Math.Abs(expected) * 1e-2 + 1e-6; // one bf16 rounding
                    Assert.Equal(expected, output[g * hd + i], tolerance);
                }
            }
        }
    }

    [Fact]
    public void Bf16_widening_matches_the_reference_unpack_including_specials_and_tails()
    {
        var values = Random(37, 13, 100f).Concat([0f, -0f, float.PositiveInfinity, float.NegativeInfinity, 1e-40f]).ToArray();
        var bits = new ushort[values.Length];
        DTypeStorage.Pack(values, bits, DType.Bf16);
        var expected = new float[values.Length];
        var actual = new float[values.Length];
        DTypeStorage.Unpack(bits, expected, DType.Bf16);
        Bf16Widening.Widen(bits, actual);
        Assert.Equal(expected.Select(BitConverter.SingleToUInt32Bits), actual.Select(BitConverter.SingleToUInt32Bits));
    }
}
