using System.Security.Cryptography;
using System.Text;

namespace Precision.Orleans.Runtime.Transport.Http2;

/// <summary>
/// The shared secret every silo and client of one cluster presents as <c>Authorization: Bearer &lt;token&gt;</c>.
/// Comparison is constant-time over SHA-256 digests, so neither the content nor the length of the expected token
/// leaks through response timing.
/// </summary>
public sealed class ClusterToken
{
    /// <summary>The shortest token accepted: a guessable token would make the whole check decorative.</summary>
    public const int MinimumLength = 16;

    private readonly byte[] _digest;

    public ClusterToken(string token)
    {
        ArgumentNullException.ThrowIfNull(token);
        if (token.Length < MinimumLength)
        {
            throw new ArgumentException(
                $"The cluster token must be at least {MinimumLength} characters long (got {token.Length}).", nameof(token));
        }

        Value = token;
        _digest = SHA256.HashData(Encoding.UTF8.GetBytes(token));
    }

    /// <summary>The token itself, for the outgoing Authorization header.</summary>
    public string Value { get; }

    /// <summary>The header value a caller sends.</summary>
    public string AuthorizationHeaderValue => "Bearer " + Value;

    /// <summary>True when <paramref name="authorizationHeader"/> is exactly "Bearer &lt;this token&gt;".</summary>
    public bool Matches(string? authorizationHeader)
    {
        const string scheme = "Bearer ";
        if (authorizationHeader is null || !authorizationHeader.StartsWith(scheme, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        var presented = SHA256.HashData(Encoding.UTF8.GetBytes(authorizationHeader[scheme.Length..]));
        return CryptographicOperations.FixedTimeEquals(presented, _digest);
    }

    /// <summary>A fresh random token (base64url, 256 bits) for a new cluster.</summary>
    public static string Generate() =>
        Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
