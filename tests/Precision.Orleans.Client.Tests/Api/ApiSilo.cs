using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Precision.Orleans.Client.Tests.Fakes;
using Precision.Orleans.Grains;
using Precision.Orleans.Runtime.Hosting;
using Precision.Orleans.Runtime.Storage;
using Precision.Orleans.Runtime.Transport.Http2;
using Precision.Orleans.SiloHost.Api;
using RuntimeSilo = Precision.Orleans.Runtime.Hosting.Silo;

namespace Precision.Orleans.Client.Tests.Api;

/// <summary>
/// An in-process silo (in-memory membership) with the <see cref="RunBook"/> run grains, served over HTTP exactly as
/// the silo host serves it (<see cref="SiloWebEndpoints"/>: token, runs API, cluster API, dashboard) by Kestrel on a
/// free loopback port speaking cleartext HTTP/2, plus the dashboard's HTTP/1.1 port, like the host.
/// </summary>
public sealed class ApiSilo : IAsyncDisposable
{
    public const string Token = "test-cluster-token-0123456789";

    private readonly WebApplication _app;
    private readonly IDisposable _api;
    private int _stopped;

    private ApiSilo(WebApplication app, IDisposable api, RuntimeSilo silo, RunBook book, string url, string dashboardUrl, string specDirectory)
    {
        _app = app;
        _api = api;
        Silo = silo;
        Book = book;
        Url = url;
        DashboardUrl = dashboardUrl;
        SpecDirectory = specDirectory;
    }

    public RuntimeSilo Silo { get; }

    public RunBook Book { get; }

    /// <summary>"http://127.0.0.1:port"</summary>
    public string Url { get; }

    /// <summary>The HTTP/1.1 port for browsers, "http://127.0.0.1:port".</summary>
    public string DashboardUrl { get; }

    /// <summary>A temporary directory holding a stand-in checkpoint (config.json) that <see cref="ValidSpec"/> names.</summary>
    public string SpecDirectory { get; }

    /// <param name="rlGrains">When given, the silo runs the real RL grains (in-memory storage, roles learner + rollout,
    /// one rollout slot, run directories and spec paths under this directory) instead of the <see cref="RunBook"/> ones.</param>
    /// <param name="cluster">The in-process cluster to join (several ApiSilos on one make a cluster whose silos ask
    /// each other over HTTP/2 for /api/cluster); default a new one.</param>
    /// <param name="book">The run book shared by the silos of one cluster; default a new one.</param>
    public static async Task<ApiSilo> StartAsync(string? rlGrains = null, InProcessCluster? cluster = null, RunBook? book = null,
        string siloId = "api-silo", string role = "learner")
    {
        var specDirectory = Directory.CreateTempSubdirectory("precision-api-").FullName;
        Directory.CreateDirectory(Path.Combine(specDirectory, "model"));
        await File.WriteAllTextAsync(Path.Combine(specDirectory, "model", "config.json"), "{}");

        // Kestrel first, as the silo host does, so that the silo advertises its real HTTP endpoint.
        RuntimeSilo? silo = null;
        var web = WebApplication.CreateSlimBuilder();
        web.Logging.ClearProviders();
        ListenOptions? http2 = null, http1 = null;
        web.WebHost.ConfigureKestrel(k =>
        {
            k.Listen(IPAddress.Loopback, 0, l => (l.Protocols, http2) = (HttpProtocols.Http2, l));
            k.Listen(IPAddress.Loopback, 0, l => (l.Protocols, http1) = (HttpProtocols.Http1, l));
        });
        var app = web.Build();
        var api = SiloWebEndpoints.Map(app, new ClusterToken(Token), () => silo);
        await app.StartAsync();
        var url = $"http://127.0.0.1:{http2!.IPEndPoint!.Port}";

        book ??= new RunBook();
        var shared = book;
        var builder = (cluster ?? new InProcessCluster()).NewSilo(siloId, role).Configure(o => o with { Endpoint = url });
        silo = (rlGrains is null
            ? builder.AddGrains(typeof(BookRunGrain), typeof(BookRunRegistryGrain)).ConfigureServices(s => s.AddSingleton(shared))
            : builder.AddRoles("rollout").AddRlGrains(
                new RlGrainOptions { RunsRoot = Path.Combine(rlGrains, "runs"), SpecBaseDirectory = rlGrains, RolloutSlots = 1 },
                new InMemoryGrainStorage()))
            .Build();
        await silo.StartAsync();
        return new ApiSilo(app, api, silo, book, url, $"http://127.0.0.1:{http1!.IPEndPoint!.Port}", specDirectory);
    }

    /// <summary>A spec the real validator accepts (absolute model path, the arithmetic task).</summary>
    public string ValidSpec(int iterations = 3) => $"""
        name: api-test
        seed: 7
        model: {Path.Combine(SpecDirectory, "model")}
        data:
          task: arithmetic
        algorithm:
          name: grpo
        precision:
          train: fp16
          rollout: fp16
        batch:
          prompts: 2
          group_size: 2
          mini_batches: 1
        schedule:
          iterations: {iterations}
        """;

    /// <summary>An HTTP/2 client presenting <paramref name="token"/> (none when null).</summary>
    public HttpClient Client(string? token = Token)
    {
        var client = new HttpClient
        {
            BaseAddress = new Uri(Url),
            DefaultRequestVersion = HttpVersion.Version20,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        if (token is not null)
        {
            client.DefaultRequestHeaders.TryAddWithoutValidation("Authorization", "Bearer " + token);
        }
        return client;
    }

    public async ValueTask DisposeAsync()
    {
        await Silo.DisposeAsync();
        await StopServingAsync();
        if (Directory.Exists(SpecDirectory))
        {
            Directory.Delete(SpecDirectory, recursive: true);
        }
    }

    /// <summary>Stops the HTTP server (idempotent): the silo's address stops answering, like a dead process.</summary>
    public async Task StopServingAsync()
    {
        if (Interlocked.Exchange(ref _stopped, 1) == 0)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
            _api.Dispose();
        }
    }
}
