using Precision.Orleans.Abstractions;
using Xunit;

namespace Precision.Orleans.Engine.Gpu.Tests;

internal static class Compare
{
    public static float[] Random(int n, int seed, float scale = 1f, DType dtype = DType.Fp32)
    {
        var rng = new System.Random(seed);
        var x = new float[n];
        for (int i = 0; i < n; i++) x[i] = Numerics.DTypeRounding.Round((float)(rng.NextDouble() * 2 - 1) * scale, dtype);
        return x;
    }

    public static void BitExact(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            if (BitConverter.SingleToInt32Bits(expected[i]) != BitConverter.SingleToInt32Bits(actual[i]))
                Assert.Fail($"{what}: element {i} differs: cpu {expected[i]:R}, device {actual[i]:R}");
    }

    /// <summary>|a − e| ≤ tol·max(|e|, floor) elementwise; floor keeps near-zero entries from demanding absolute exactness.</summary>
    public static void Close(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, float tolerance, string what, float floor = 1e-3f)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            float e = expected[i], a = actual[i];
            if (!(MathF.Abs(a - e) <= tolerance * MathF.Max(MathF.Abs(e), floor)))
                Assert.Fail($"{what}: element {i}: cpu {e:R}, device {a:R}, tolerance {tolerance} relative");
        }
    }

    /// <summary>One dtype ulp-ish relative tolerance: results rounded to the dtype may differ by one rounding step when FP32 sums differ in order.</summary>
    public static float Tolerance(DType dtype) => dtype switch { DType.Bf16 => 1.6e-2f, DType.Fp16 => 2e-3f, _ => 1e-5f };
}
