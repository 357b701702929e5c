using System.Net;
using Precision.Orleans.SiloHost.Dashboard;
using Xunit;

namespace Precision.Orleans.Client.Tests.Api;

/// <summary>
/// The dashboard as a browser meets it: HTTP/1.1 on the silo's dashboard port, a login form (401) without credentials, the
/// token once (?token= or the form) → session cookie → the page and the API it polls, never the grain transport.
/// </summary>
public sealed class DashboardTests
{
    private static HttpClient Browser(ApiSilo silo, CookieContainer cookies) => new(new SocketsHttpHandler { CookieContainer = cookies, AllowAutoRedirect = false })
    {
        BaseAddress = new Uri(silo.DashboardUrl),
        DefaultRequestVersion = HttpVersion.Version11,
        DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
    };

    [Fact]
    public async Task Token_once_then_a_cookie_opens_the_page_and_the_api_it_polls()
    {
        await using var silo = await ApiSilo.StartAsync();
        var cookies = new CookieContainer();
        using var browser = Browser(silo, cookies);

        var anonymous = await browser.GetAsync("/dashboard");
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal(new Version(1, 1), anonymous.Version);
        Assert.Contains("<form method=\"post\" action=\"/dashboard/login\"", await anonymous.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        var wrong = await browser.GetAsync("/dashboard?token=not-the-cluster-token");
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        Assert.Contains("refused the token", await wrong.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Empty(cookies.GetCookies(new Uri(silo.DashboardUrl)));

        var login = await browser.GetAsync("/dashboard?token=" + Uri.EscapeDataString(ApiSilo.Token));
        Assert.Equal(HttpStatusCode.SeeOther, login.StatusCode);
        Assert.Equal("/dashboard", login.Headers.Location!.ToString());
        var cookie = Assert.Single(cookies.GetCookies(new Uri(silo.DashboardUrl)));
        Assert.Equal(DashboardSession.CookieName, cookie.Name);
        Assert.True(cookie.HttpOnly);
        Assert.DoesNotContain(ApiSilo.Token, cookie.Value, StringComparison.Ordinal);

        var page = await browser.GetAsync("/dashboard");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        var html = await page.Content.ReadAsStringAsync();
        Assert.Contains("Precision.Orleans cluster", html, StringComparison.Ordinal);
        foreach (var polled in new[] { "/api/cluster", "/api/runs" })
        {
            Assert.Contains($"\"{polled}\"", html, StringComparison.Ordinal);
            Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync(polled)).StatusCode);
        }

        // The cookie is for people: the grain transport and the probes still want the bearer token.
        Assert.Equal(HttpStatusCode.Unauthorized, (await browser.PostAsync("/grain-call", new ByteArrayContent([1, 2, 3]))).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await browser.GetAsync("/readyz")).StatusCode);
    }

    [Fact]
    public async Task The_login_form_posts_the_token()
    {
        await using var silo = await ApiSilo.StartAsync();
        var cookies = new CookieContainer();
        using var browser = Browser(silo, cookies);

        var refused = await browser.PostAsync("/dashboard/login", new FormUrlEncodedContent([new("token", "guess-guess-guess-guess")]));
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);

        var accepted = await browser.PostAsync("/dashboard/login", new FormUrlEncodedContent([new("token", ApiSilo.Token)]));
        Assert.Equal(HttpStatusCode.SeeOther, accepted.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync("/dashboard")).StatusCode);

        // A forged cookie opens nothing.
        var forged = new CookieContainer();
        forged.Add(new Uri(silo.DashboardUrl), new Cookie(DashboardSession.CookieName, "AAAA"));
        using var intruder = Browser(silo, forged);
        Assert.Equal(HttpStatusCode.Unauthorized, (await intruder.GetAsync("/api/runs")).StatusCode);
    }
}
