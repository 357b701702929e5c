using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;
using Precision.Orleans.Grains;

namespace Precision.Orleans.Bench.Cluster;

/// <summary>
/// Two silos in this process that talk over real loopback TCP sockets (localhost clustering, silo B joins silo A).
/// <see cref="BenchCluster"/>'s TestingHost silos share an in-memory connection hub instead, which skips the sockets.
/// </summary>
internal sealed class TcpSiloPair : IAsyncDisposable
{
    private readonly IHost _a, _b;

    private TcpSiloPair(IHost a, IHost b) => (_a, _b) = (a, b);

    /// <summary>Silo A's grain factory: calls made through it start on silo A.</summary>
    public IGrainFactory Grains => _a.Services.GetRequiredService<IGrainFactory>();

    public static async Task<TcpSiloPair> StartAsync(string nameA, string nameB, string runsRoot)
    {
        int siloA = FreePort();
        string cluster = "bench-tcp-" + Environment.ProcessId;
        var a = Build(nameA, siloA, primary: null, cluster, runsRoot);
        await a.StartAsync();
        var b = Build(nameB, FreePort(), new IPEndPoint(IPAddress.Loopback, siloA), cluster, runsRoot);
        await b.StartAsync();
        return new TcpSiloPair(a, b);
    }

    private static IHost Build(string name, int siloPort, IPEndPoint? primary, string cluster, string runsRoot) =>
        Host.CreateDefaultBuilder([])
            .ConfigureLogging(logging => logging.ClearProviders().SetMinimumLevel(LogLevel.Warning))
            .UseOrleans(silo => silo
                .UseLocalhostClustering(siloPort, FreePort(), primary, serviceId: "precision-bench", clusterId: cluster)
                .Configure<SiloOptions>(o => o.SiloName = name)
                .AddMemoryGrainStorage(RlStorage.Name)
                .AddRlGrains(new RlGrainOptions { RunsRoot = runsRoot }))
            .Build();

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        await _b.StopAsync();
        await _a.StopAsync();
        _b.Dispose();
        _a.Dispose();
    }
}
