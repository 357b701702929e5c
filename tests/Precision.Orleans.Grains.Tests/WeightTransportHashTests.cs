using System.Security.Cryptography;
using Precision.Orleans.Abstractions.Grains.Rl;
using Xunit;

namespace Precision.Orleans.Grains.Tests;

public sealed class WeightTransportHashTests
{
    private static byte[] Payload()
    {
        var bytes = new byte[3 * 1024 * 1024 + 17];
        new Random(7).NextBytes(bytes);
        return bytes;
    }

    private static WeightManifest Manifest(byte[] payload, bool transport) => new(3, Convert.ToHexStringLower(SHA256.HashData(payload)),
        payload.Length, 0, 1 << 20, 4, null, transport ? WeightTransportHash.Of(payload) : "");

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void The_published_payload_passes_and_one_flipped_bit_anywhere_is_refused(bool transport)
    {
        var payload = Payload();
        var manifest = Manifest(payload, transport);
        WeightTransportHash.Check(manifest, payload, "weights v3");
        foreach (int at in new[] { 0, payload.Length / 2, payload.Length - 1 })
        {
            var corrupt = (byte[])payload.Clone();
            corrupt[at] ^= 0x10;
            var e = Assert.Throws<InvalidDataException>(() => WeightTransportHash.Check(manifest, corrupt, "weights v3"));
            Assert.Contains(transport ? "XXH128" : "SHA-256", e.Message);
            Assert.StartsWith("weights v3 arrived with", e.Message);
        }
    }

    [Fact]
    public void A_swapped_pair_of_chunks_is_refused()
    {
        // The failure a chunked fetch could make: right bytes at the wrong offset.
        var payload = Payload();
        var manifest = Manifest(payload, transport: true);
        var swapped = (byte[])payload.Clone();
        payload.AsSpan(0, 1 << 20).CopyTo(swapped.AsSpan(1 << 20));
        payload.AsSpan(1 << 20, 1 << 20).CopyTo(swapped);
        Assert.Throws<InvalidDataException>(() => WeightTransportHash.Check(manifest, swapped, "weights v3"));
    }
}
