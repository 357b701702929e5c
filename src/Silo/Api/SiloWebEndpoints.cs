using Microsoft.AspNetCore.Builder;
using Precision.Orleans.Runtime.Transport.Http2;
using Precision.Orleans.SiloHost.Dashboard;
using RuntimeSilo = Precision.Orleans.Runtime.Hosting.Silo;

namespace Precision.Orleans.SiloHost.Api;

/// <summary>
/// Everything a silo serves over HTTP, in the order it must be wired: the dashboard's cookie login, then the cluster
/// token check in front of every endpoint, then the grain-call transport with the probes, the runs API, the cluster
/// API and the dashboard. The silo host and the tests' in-process silos both use this, so they serve the same thing.
/// </summary>
public static class SiloWebEndpoints
{
    /// <param name="silo">Resolved per request: null until the silo is built.</param>
    /// <returns>The cluster API, to dispose with the app (it owns a timer and a peer HTTP client).</returns>
    public static IDisposable Map(WebApplication app, ClusterToken token, Func<RuntimeSilo?> silo)
    {
        app.UseDashboardLogin(new DashboardSession(token));
        app.UseClusterToken(token);
        app.MapGrainCalls(silo);
        app.MapRunApi(() => silo() is { IsServing: true } s ? s.GrainFactory : null);
        var cluster = new ClusterApiEndpoints(silo, token);
        cluster.Map(app);
        app.MapDashboard();
        return cluster;
    }
}
