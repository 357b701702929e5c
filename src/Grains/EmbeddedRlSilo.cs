using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;
using Orleans.Hosting;
using Precision.Orleans.Grains.Placement;

namespace Precision.Orleans.Grains;

/// <summary>
/// The embedded mode of distributed runs: ONE Orleans silo in this process (localhost clustering, memory grain
/// storage, no Redis) with the learner role and <see cref="RlGrainOptions.RolloutSlots"/> rollout workers (at least
/// one), running the same grains as a cluster. Its <see cref="IGrainFactory"/> is the client.
/// </summary>
public static class EmbeddedRlSilo
{
    public static IHost Build(RlGrainOptions options, string siloName = "embedded")
    {
        ArgumentNullException.ThrowIfNull(options);
        var rl = options with
        {
            RolloutSlots = Math.Max(1, options.RolloutSlots),
            Roles = [.. options.Roles.Union([SiloRoles.Learner, SiloRoles.Rollout], StringComparer.OrdinalIgnoreCase)],
        };
        return Host.CreateDefaultBuilder([])
            .ConfigureLogging(logging => logging.ClearProviders().AddConsole().SetMinimumLevel(LogLevel.Warning))
            .UseOrleans(silo => silo
                // Free loopback ports: several embedded silos (tests, two consoles) may share a machine.
                .UseLocalhostClustering(FreePort(), FreePort(), serviceId: "precision-embedded", clusterId: "embedded-" + siloName)
                .Configure<SiloOptions>(o => o.SiloName = siloName)
                .AddMemoryGrainStorage(RlStorage.Name)
                .UseFastFailover()
                .AddRlGrains(rl))
            .Build();
    }

    /// <summary>The client of an embedded silo.</summary>
    public static IGrainFactory Grains(this IHost host) => host.Services.GetRequiredService<IGrainFactory>();

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
