using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Precision.Orleans.SiloHost.Dashboard;

/// <summary>
/// Lets a browser, which cannot send the bearer header, reach the dashboard. Runs in front of the cluster-token
/// middleware:
/// <list type="bullet">
/// <item>POST /dashboard/login (form field <c>token</c>) or GET /dashboard?token=… once: a right token sets the
/// <see cref="DashboardSession"/> cookie (HttpOnly, SameSite=Strict) and redirects to /dashboard; a wrong one is 401
/// with the login form again.</item>
/// <item>With a valid cookie, requests for /dashboard and /api/* proceed as if they carried the token. Never
/// /grain-call or the probes: the cookie is for people, not silos.</item>
/// <item>GET /dashboard with no credentials: 401 whose body is the login form.</item>
/// </list>
/// Everything else (and anything carrying an Authorization header) is left to the token middleware.
/// </summary>
public sealed class DashboardLoginMiddleware(RequestDelegate next, DashboardSession session)
{
    public const string DashboardPath = "/dashboard";
    public const string LoginPath = "/dashboard/login";

    public async Task InvokeAsync(HttpContext context)
    {
        var request = context.Request;
        if (request.Headers.Authorization.Count > 0)
        {
            await next(context).ConfigureAwait(false);
            return;
        }

        var path = request.Path;
        if (path.Equals(LoginPath, StringComparison.Ordinal) && HttpMethods.IsPost(request.Method) && request.HasFormContentType)
        {
            var form = await request.ReadFormAsync(context.RequestAborted).ConfigureAwait(false);
            await LogInAsync(context, form["token"].ToString()).ConfigureAwait(false);
            return;
        }
        if (path.Equals(DashboardPath, StringComparison.Ordinal) && request.Query.TryGetValue("token", out var queryToken))
        {
            await LogInAsync(context, queryToken.ToString()).ConfigureAwait(false);
            return;
        }

        var forPeople = path.Equals(DashboardPath, StringComparison.Ordinal) || path.StartsWithSegments("/api", StringComparison.Ordinal);
        if (forPeople && session.Matches(request.Cookies[DashboardSession.CookieName]))
        {
            request.Headers.Authorization = session.Token.AuthorizationHeaderValue;
            await next(context).ConfigureAwait(false);
            return;
        }
        if (path.Equals(DashboardPath, StringComparison.Ordinal) && HttpMethods.IsGet(request.Method))
        {
            await LoginFormAsync(context, refused: false).ConfigureAwait(false);
            return;
        }
        await next(context).ConfigureAwait(false);
    }

    private async Task LogInAsync(HttpContext context, string token)
    {
        if (!session.Token.Matches("Bearer " + token))
        {
            await LoginFormAsync(context, refused: true).ConfigureAwait(false);
            return;
        }
        context.Response.Cookies.Append(DashboardSession.CookieName, session.CookieValue, new CookieOptions
        {
            HttpOnly = true,
            SameSite = SameSiteMode.Strict,
            Secure = context.Request.IsHttps,
            Path = "/",
        });
        // 303: the browser re-requests /dashboard with GET, and the token leaves the address bar and history.
        context.Response.StatusCode = StatusCodes.Status303SeeOther;
        context.Response.Headers.Location = DashboardPath;
    }

    private static Task LoginFormAsync(HttpContext context, bool refused)
    {
        context.Response.StatusCode = StatusCodes.Status401Unauthorized;
        context.Response.Headers.WWWAuthenticate = "Bearer";
        context.Response.ContentType = "text/html; charset=utf-8";
        return context.Response.WriteAsync(DashboardPage.LoginForm(refused), context.RequestAborted);
    }
}
