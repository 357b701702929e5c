using Precision.Orleans.Abstractions;
using Precision.Orleans.Engine.Numerics;
using Xunit;

namespace Precision.Orleans.Engine.Tests.Numerics;

public class DTypeRoundingTests
{
    [Theory]
    // 1 + 2^-8 is exactly halfway between bf16 neighbours 1 and 1 + 2^-7: ties go to even (1).
    [InlineData(1f + 1f / 256, 1f)]
    // 1 + 3·2^-8 is halfway between 1 + 2^-7 (odd mantissa) and 1 + 2^-6 (even): goes up.
    [InlineData(1f + 3f / 256, 1f + 1f / 64)]
    [InlineData(1f + 1.01f / 256, 1f + 1f / 128)]
    [InlineData(-1f - 1f / 256, -1f)]
    [InlineData(0f, 0f)]
    public void Bf16_rounds_to_nearest_even(float x, float expected) =>
        Assert.Equal(expected, DTypeRounding.RoundBf16(x));

    [Fact]
    public void Bf16_overflow_goes_to_infinity_and_nan_stays_nan()
    {
        Assert.Equal(float.PositiveInfinity, DTypeRounding.RoundBf16(float.MaxValue));
        Assert.True(float.IsNaN(DTypeRounding.RoundBf16(float.NaN)));
        Assert.Equal(float.NegativeInfinity, DTypeRounding.RoundBf16(float.NegativeInfinity));
    }

    [Theory]
    [InlineData(1f + 1f / 2048, 1f)] // tie to even
    [InlineData(1f + 3f / 2048, 1f + 1f / 512)] // tie to even (up)
    [InlineData(65504f, 65504f)]
    [InlineData(65519f, 65504f)] // below the overflow midpoint
    [InlineData(65520f, float.PositiveInfinity)] // the midpoint rounds to even = inf
    [InlineData(1e-8f, 0f)] // below half the smallest subnormal (2^-25 ≈ 2.98e-8)
    [InlineData(5.9604645e-8f, 5.9604645e-8f)] // smallest subnormal 2^-24
    public void Fp16_rounds_like_ieee_half(float x, float expected) =>
        Assert.Equal(expected, DTypeRounding.RoundFp16(x));

    [Theory]
    [InlineData(DType.Bf16)]
    [InlineData(DType.Fp16)]
    [InlineData(DType.Fp32)]
    public void Vectorised_rounding_equals_scalar_rounding(DType dtype)
    {
        var rng = new Random(7);
        var values = new float[1037]; // not a multiple of any vector width
        for (int i = 0; i < values.Length; i++)
            values[i] = (float)((rng.NextDouble() - 0.5) * Math.Pow(2, rng.Next(-30, 30)));
        values[5] = float.NaN;
        values[6] = float.PositiveInfinity;
        values[7] = 1e30f;
        var rounded = (float[])values.Clone();
        DTypeRounding.RoundInPlace(rounded, dtype);
        for (int i = 0; i < values.Length; i++)
        {
            float expected = DTypeRounding.Round(values[i], dtype);
            if (float.IsNaN(expected)) Assert.True(float.IsNaN(rounded[i]), $"index {i}");
            else Assert.Equal(expected, rounded[i]);
        }
    }

    [Theory]
    [InlineData(DType.Bf16)]
    [InlineData(DType.Fp16)]
    public void Rounding_keeps_the_dtype_mantissa_width(DType dtype)
    {
        int mantissaBits = dtype == DType.Bf16 ? 7 : 10;
        var rng = new Random(3);
        for (int i = 0; i < 1000; i++)
        {
            float x = (float)(rng.NextDouble() * 100 + 0.01);
            float r = DTypeRounding.Round(x, dtype);
            // Relative error at most half an ulp of the dtype.
            Assert.True(Math.Abs(r - x) <= x * Math.Pow(2, -(mantissaBits + 1)) * 1.0000001, $"{x} -> {r}");
            uint bits = BitConverter.SingleToUInt32Bits(r);
            Assert.Equal(0u, bits & ((1u << (23 - mantissaBits)) - 1));
        }
    }

    [Theory]
    [InlineData(DType.Bf16)]
    [InlineData(DType.Fp16)]
    public void Pack_then_unpack_is_rounding(DType dtype)
    {
        var rng = new Random(11);
        var values = Enumerable.Range(0, 300).Select(_ => (float)(rng.NextDouble() * 8 - 4)).ToArray();
        var bits = new ushort[values.Length];
        var back = new float[values.Length];
        DTypeStorage.Pack(values, bits, dtype);
        DTypeStorage.Unpack(bits, back, dtype);
        for (int i = 0; i < values.Length; i++)
            Assert.Equal(DTypeRounding.Round(values[i], dtype), back[i]);
    }
}
