using System.IO.Hashing;
using System.Security.Cryptography;
using Precision.Orleans.Abstractions.Grains.Rl;

namespace Precision.Orleans.Grains;

/// <summary>
/// The check a weight cache runs on a version it assembled from chunks: XXH128 of the payload when the manifest carries
/// one (a transport checksum at memory speed; the connections themselves are TLS-protected between silos), else the
/// payload's SHA-256, which is the policy's weight hash.
/// </summary>
internal static class WeightTransportHash
{
    public static string Of(ReadOnlySpan<byte> payload) => Convert.ToHexStringLower(XxHash128.Hash(payload));

    /// <exception cref="InvalidDataException">The payload is not the one the manifest describes.</exception>
    public static void Check(WeightManifest manifest, ReadOnlySpan<byte> payload, string what)
    {
        bool transport = manifest.TransportXxHash128.Length > 0;
        string expected = transport ? manifest.TransportXxHash128 : manifest.Sha256;
        string actual = transport ? Of(payload) : Convert.ToHexStringLower(SHA256.HashData(payload));
        if (actual != expected)
            throw new InvalidDataException($"{what} arrived with {(transport ? "XXH128" : "SHA-256")} {actual}, expected {expected}");
    }
}
