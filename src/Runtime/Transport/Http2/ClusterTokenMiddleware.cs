using Microsoft.AspNetCore.Http;

namespace Precision.Orleans.Runtime.Transport.Http2;

/// <summary>
/// Refuses every request that does not carry the cluster token with 401, before any endpoint runs — probes
/// included, so nothing about the cluster is visible to an outsider.
/// </summary>
public sealed class ClusterTokenMiddleware(RequestDelegate next, ClusterToken token)
{
    public Task InvokeAsync(HttpContext context)
    {
        if (token.Matches(context.Request.Headers.Authorization.ToString()))
        {
            return next(context);
        }

        context.Response.StatusCode = StatusCodes.Status401Unauthorized;
        context.Response.Headers.WWWAuthenticate = "Bearer";
        return Task.CompletedTask;
    }
}
