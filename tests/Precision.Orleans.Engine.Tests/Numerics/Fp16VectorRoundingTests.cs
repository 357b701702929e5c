using Precision.Orleans.Abstractions;
using Precision.Orleans.Engine.Numerics;
using Xunit;

namespace Precision.Orleans.Engine.Tests.Numerics;

/// <summary>
/// The vectorised fp16 rounding (integer arithmetic on FP32 bits) must be bit-identical to the IEEE conversion
/// (float)(Half)x on every input: each of the 2^16 sign/exponent/top-mantissa patterns is combined with the low-bit
/// patterns that decide rounding (exact, just below/at/above the half-way point, odd/even kept bit), plus random bits.
/// </summary>
public class Fp16VectorRoundingTests
{
    private static readonly uint[] LowPatterns = [0x0000, 0x0001, 0x0FFF, 0x1000, 0x1001, 0x1FFF, 0x2000, 0x3000, 0xFFFF];

    [Fact]
    public void Every_high_half_with_every_rounding_low_pattern_matches_the_half_conversion()
    {
        var bits = new uint[65536 * LowPatterns.Length];
        int n = 0;
        for (uint hi = 0; hi < 65536; hi++)
            foreach (uint lo in LowPatterns)
                bits[n++] = (hi << 16) | lo;
        AssertMatchesHalfConversion(bits);
    }

    [Fact]
    public void Random_bit_patterns_match_the_half_conversion()
    {
        var rng = new Random(12345);
        var bits = new uint[1 << 19];
        for (int i = 0; i < bits.Length; i++) bits[i] = (uint)rng.NextInt64(0, 1L << 32);
        AssertMatchesHalfConversion(bits);
    }

    [Theory]
    // the overflow threshold: 65504 is the largest half; 65519.99 rounds down to it, 65520 (a tie) rounds to inf
    [InlineData(65519.996f, 65504f)]
    [InlineData(65520f, float.PositiveInfinity)]
    [InlineData(-65520f, float.NegativeInfinity)]
    // the smallest subnormal 2^-24: half of it ties to even (0), a bit more goes up
    [InlineData(2.9802322E-08f, 0f)]
    [InlineData(2.9802326E-08f, 5.9604645E-08f)]
    // just below the smallest normal 2^-14 rounds up onto it
    [InlineData(6.1035153E-05f, 6.1035156E-05f)]
    public void Boundary_values_round_as_ieee_half(float x, float expected)
    {
        var one = new[] { x };
        var sixteen = Enumerable.Repeat(x, 16).ToArray();
        DTypeRounding.RoundInPlace(one, DType.Fp16);
        DTypeRounding.RoundInPlace(sixteen, DType.Fp16);
        Assert.Equal(expected, one[0]);
        Assert.All(sixteen, v => Assert.Equal(expected, v));
    }

    private static void AssertMatchesHalfConversion(uint[] bits)
    {
        var values = new float[bits.Length + 5]; // a ragged tail exercises the scalar remainder too
        for (int i = 0; i < bits.Length; i++) values[i] = BitConverter.UInt32BitsToSingle(bits[i]);
        var rounded = (float[])values.Clone();
        DTypeRounding.RoundInPlace(rounded, DType.Fp16);
        for (int i = 0; i < values.Length; i++)
        {
            uint expected = BitConverter.SingleToUInt32Bits((float)(Half)values[i]);
            uint actual = BitConverter.SingleToUInt32Bits(rounded[i]);
            if (expected != actual)
                Assert.Fail($"input bits 0x{BitConverter.SingleToUInt32Bits(values[i]):X8}: expected 0x{expected:X8}, got 0x{actual:X8}");
        }
    }
}
