using Microsoft.AspNetCore.Http;

namespace Precision.Orleans.SiloHost.Dashboard;

/// <summary>
/// The gate of the web port (Orleans Dashboard, run pages, runs API): GET /login shows the form, POST /login (form
/// field <c>password</c>) sets the <see cref="WebSession"/> cookie (HttpOnly, SameSite=Strict) and redirects to the run
/// pages. Every other request needs that cookie or <c>Authorization: Bearer &lt;password&gt;</c> (scripts, curl);
/// without either, a browser page request is redirected to /login and anything else is 401.
/// </summary>
public sealed class WebLoginMiddleware(RequestDelegate next, WebSession session)
{
    public const string LoginPath = "/login";

    public async Task InvokeAsync(HttpContext context)
    {
        var request = context.Request;
        if (request.Path.Equals(LoginPath, StringComparison.Ordinal))
        {
            if (HttpMethods.IsPost(request.Method) && request.HasFormContentType)
            {
                var form = await request.ReadFormAsync(context.RequestAborted);
                await LogInAsync(context, form["password"].ToString());
                return;
            }
            await LoginFormAsync(context, refused: false, StatusCodes.Status200OK);
            return;
        }
        string auth = request.Headers.Authorization.ToString();
        bool bearer = auth.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) && session.PasswordMatches(auth["Bearer ".Length..]);
        if (bearer || session.Matches(request.Cookies[WebSession.CookieName]))
        {
            await next(context);
            return;
        }
        if (HttpMethods.IsGet(request.Method) && !request.Path.StartsWithSegments("/api", StringComparison.Ordinal)
            && request.Headers.Accept.ToString().Contains("text/html", StringComparison.Ordinal))
        {
            context.Response.Redirect(LoginPath);
            return;
        }
        context.Response.StatusCode = StatusCodes.Status401Unauthorized;
        context.Response.Headers.WWWAuthenticate = "Bearer";
        await context.Response.WriteAsync($"Log in at {LoginPath} or send Authorization: Bearer <the silo's web password>.", context.RequestAborted);
    }

    private async Task LogInAsync(HttpContext context, string password)
    {
        if (!session.PasswordMatches(password))
        {
            await LoginFormAsync(context, refused: true, StatusCodes.Status401Unauthorized);
            return;
        }
        context.Response.Cookies.Append(WebSession.CookieName, session.CookieValue, new CookieOptions
        {
            HttpOnly = true,
            SameSite = SameSiteMode.Strict,
            Secure = context.Request.IsHttps,
            Path = "/",
        });
        // 303: the browser re-requests the run pages with GET.
        context.Response.StatusCode = StatusCodes.Status303SeeOther;
        context.Response.Headers.Location = RunPages.RunsPath;
    }

    private static Task LoginFormAsync(HttpContext context, bool refused, int status)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "text/html; charset=utf-8";
        return context.Response.WriteAsync(RunPages.LoginForm(refused), context.RequestAborted);
    }
}
