using System.Security.Cryptography;
using System.Text;
using Precision.Orleans.Runtime.Transport.Http2;

namespace Precision.Orleans.SiloHost.Dashboard;

/// <summary>
/// The dashboard's session cookie. Its value is HMAC-SHA256(cluster token, a fixed label), not the token itself: a
/// copied cookie opens the dashboard and the run API of this cluster but cannot be replayed as the bearer token of
/// grain calls, and it stays valid exactly as long as the cluster token does (rotate the token to log everyone out).
/// </summary>
public sealed class DashboardSession
{
    public const string CookieName = "precision_dashboard";

    private const string Label = "precision-dashboard-session-v1";
    private readonly byte[] _value;

    public DashboardSession(ClusterToken token)
    {
        Token = token;
        _value = HMACSHA256.HashData(Encoding.UTF8.GetBytes(token.Value), Encoding.UTF8.GetBytes(Label));
        CookieValue = Convert.ToBase64String(_value).TrimEnd('=').Replace('+', '-').Replace('/', '_');
    }

    public ClusterToken Token { get; }

    /// <summary>The cookie value a logged-in browser holds.</summary>
    public string CookieValue { get; }

    /// <summary>Constant-time check of a presented cookie value.</summary>
    public bool Matches(string? cookie) =>
        cookie is not null
        && CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(cookie), Encoding.ASCII.GetBytes(CookieValue));
}
