using System.Security.Cryptography;
using System.Text;

namespace Precision.Orleans.SiloHost.Dashboard;

/// <summary>
/// The web port's password and its session cookie. The cookie's value is HMAC-SHA256(password, a fixed label), not the
/// password itself, and it stays valid exactly as long as the password does (change it to log everyone out).
/// Comparisons are constant-time.
/// </summary>
public sealed class WebSession
{
    public const string CookieName = "precision_session";

    private const string Label = "precision-dashboard-session-v1";
    private readonly byte[] _value;

    private readonly byte[] _passwordDigest;

    public WebSession(string password)
    {
        ArgumentException.ThrowIfNullOrEmpty(password);
        _passwordDigest = SHA256.HashData(Encoding.UTF8.GetBytes(password));
        _value = HMACSHA256.HashData(Encoding.UTF8.GetBytes(password), Encoding.UTF8.GetBytes(Label));
        CookieValue = Convert.ToBase64String(_value).TrimEnd('=').Replace('+', '-').Replace('/', '_');
    }

    /// <summary>Constant-time check of a presented password (login form, or "Authorization: Bearer &lt;password&gt;").</summary>
    public bool PasswordMatches(string? presented) =>
        presented is not null && CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(presented)), _passwordDigest);

    /// <summary>The cookie value a logged-in browser holds.</summary>
    public string CookieValue { get; }

    /// <summary>Constant-time check of a presented cookie value.</summary>
    public bool Matches(string? cookie) =>
        cookie is not null
        && CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(cookie), Encoding.ASCII.GetBytes(CookieValue));
}
