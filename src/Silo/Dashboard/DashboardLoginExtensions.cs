using Microsoft.AspNetCore.Builder;

namespace Precision.Orleans.SiloHost.Dashboard;

/// <summary>Registration of <see cref="DashboardLoginMiddleware"/>.</summary>
public static class DashboardLoginExtensions
{
    /// <summary>Add before <c>UseClusterToken</c>.</summary>
    public static IApplicationBuilder UseDashboardLogin(this IApplicationBuilder app, DashboardSession session) =>
        app.UseMiddleware<DashboardLoginMiddleware>(session);
}
