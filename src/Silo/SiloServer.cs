using System.Reflection;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Precision.Orleans.Runtime.Clustering.Postgres;
using Precision.Orleans.Runtime.Hosting;
using Precision.Orleans.Runtime.Transport.Http2;
using RuntimeSilo = Precision.Orleans.Runtime.Hosting.Silo;

namespace Precision.Orleans.SiloHost;

/// <summary>
/// One silo process: Kestrel speaking cleartext HTTP/2 (the /grain-call, /healthz and /readyz endpoints, all behind
/// the cluster token), PostgreSQL membership and directory, and the HTTP/2 transport to peers. Kestrel starts first,
/// so the advertised endpoint carries the real port (also when --port 0), then the silo joins the cluster. When the
/// cluster declares this silo dead it stops serving, and the process exits (code 3) so a supervisor restarts it
/// under a new generation.
/// </summary>
public static class SiloServer
{
    /// <summary>Exit code when the silo stopped without being asked to (declared dead by the cluster).</summary>
    public const int ExitDeclaredDead = 3;

    public static async Task<int> RunAsync(SiloHostOptions options, Action<SiloBuilder>? configure = null, CancellationToken cancellationToken = default)
    {
        var web = WebApplication.CreateSlimBuilder();
        web.Logging.SetMinimumLevel(LogLevel.Warning);
        web.Logging.AddFilter("Precision.Orleans", LogLevel.Information);
        // Kestrel writes the bound endpoint (the real port when 0 was asked for) back into the listen options.
        ListenOptions? grainListen = null;
        ListenOptions? dashboardListen = null;
        web.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(System.Net.IPAddress.Parse(options.Listen), options.Port, listen =>
            {
                listen.Protocols = HttpProtocols.Http2;
                grainListen = listen;
            });
            if (options.DashboardPort is { } dashboardPort)
            {
                // Browsers speak HTTP/2 only over TLS: the dashboard (and the same API) also on a plain HTTP/1.1 port.
                kestrel.Listen(System.Net.IPAddress.Parse(options.Listen), dashboardPort, listen =>
                {
                    listen.Protocols = HttpProtocols.Http1;
                    dashboardListen = listen;
                });
            }
            kestrel.AddServerHeader = false;
            // Grain calls carry tensors (weights, batches): allow big bodies; the token check runs before reading.
            kestrel.Limits.MaxRequestBodySize = 1L << 31;
            kestrel.Limits.Http2.MaxStreamsPerConnection = 1024;
        });
        await using var app = web.Build();
        RuntimeSilo? silo = null;
        using var api = Api.SiloWebEndpoints.Map(app, new ClusterToken(options.ClusterToken), () => silo);
        await app.StartAsync(cancellationToken).ConfigureAwait(false);

        var port = grainListen!.IPEndPoint!.Port;
        var endpoint = $"http://{options.Advertise}:{port}";
        var loggerFactory = app.Services.GetRequiredService<ILoggerFactory>();
        var lifetime = app.Services.GetRequiredService<IHostApplicationLifetime>();

        await using var clustering = await PostgresClustering.ConnectAsync(
            new PostgresClusteringOptions { ConnectionString = options.Postgres, ClusterId = options.ClusterId },
            cancellationToken).ConfigureAwait(false);
        using var transport = new Http2GrainTransport(new Http2TransportOptions { ClusterToken = options.ClusterToken });

        var stopping = false;
        var declaredDead = false;
        var builder = new SiloBuilder()
            .Configure(o => o with
            {
                SiloId = options.SiloId,
                Endpoint = endpoint,
                Roles = options.Roles,
                Membership = o.Membership with
                {
                    HeartbeatPeriod = options.HeartbeatPeriod,
                    MissedHeartbeatsBeforeSuspect = options.MissedHeartbeats,
                },
                Placement = o.Placement with { Strategy = options.Placement },
            })
            .UseClustering(clustering.Membership, clustering.Directory)
            .UseTransport(transport)
            .UseLoggerFactory(loggerFactory)
            .OnStopped(_ =>
            {
                if (!Volatile.Read(ref stopping))
                {
                    declaredDead = true;
                    lifetime.StopApplication();
                }
            });
        foreach (var path in options.GrainAssemblies)
        {
            builder.AddGrainsFrom(LoadGrainAssembly(path));
        }

        configure?.Invoke(builder);
        silo = builder.Build();
        await silo.StartAsync(cancellationToken).ConfigureAwait(false);
        // One machine-readable line for scripts and tests that start silos on --port 0.
        Console.WriteLine($"silo {silo.Address.SiloId} ready at {endpoint} generation {silo.Address.Generation}");
        if (dashboardListen?.IPEndPoint is { } dashboard)
        {
            Console.WriteLine($"dashboard at http://{options.Advertise}:{dashboard.Port}/dashboard");
        }

        try
        {
            await app.WaitForShutdownAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            Volatile.Write(ref stopping, true);
            if (!declaredDead)
            {
                using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(30));
                await silo.StopAsync(grace.Token).ConfigureAwait(false);
            }

            await silo.DisposeAsync().ConfigureAwait(false);
            await app.StopAsync(CancellationToken.None).ConfigureAwait(false);
        }

        return declaredDead ? ExitDeclaredDead : 0;
    }

    private static Assembly LoadGrainAssembly(string path)
    {
        var full = Path.GetFullPath(path);
        if (!File.Exists(full))
        {
            throw new ArgumentException($"--grain-assembly: no file at {full}.");
        }

        return Assembly.LoadFrom(full);
    }
}
