using Precision.Orleans.Abstractions;
using Precision.Orleans.Engine.Checkpoints;
using Precision.Orleans.Engine.Numerics;
using Xunit;

namespace Precision.Orleans.Engine.Tests.Checkpoints;

public class SafetensorsMappedReaderTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(37)]
    [InlineData(4099)]
    public void Vector_bf16_decode_equals_the_scalar_unpack_for_every_bit_pattern_kind(int n)
    {
        var rng = new Random(n);
        var bits = new ushort[n];
        for (int i = 0; i < n; i++) bits[i] = (ushort)rng.Next(0, 65536); // NaNs, infinities, subnormals, zeros included
        var expected = new float[n];
        DTypeStorage.Unpack(bits, expected, DType.Bf16);
        var actual = new float[n];
        SafetensorsMappedReader.DecodeBf16(bits, actual);
        Assert.Equal(expected.Select(BitConverter.SingleToInt32Bits), actual.Select(BitConverter.SingleToInt32Bits));
    }
}
