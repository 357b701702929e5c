using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Dashboard;
using Orleans.Hosting;
using Precision.Orleans.Grains;
using Precision.Orleans.SiloHost.Api;
using Precision.Orleans.SiloHost.Dashboard;
using StackExchange.Redis;

namespace Precision.Orleans.SiloHost;

/// <summary>
/// Builds the silo host from its configuration: an Orleans silo with Redis clustering and Redis grain storage, the
/// fast-failover membership, the RL grains with this silo's roles and rollout slots, Kubernetes hosting when running
/// in a pod, and — on its own port, behind a login — the Orleans Dashboard, the run pages and the runs API.
/// </summary>
public static class SiloHostBuilder
{
    /// <summary>Environment variables with this prefix are configuration keys (PRECISION_Silo__Redis = Silo:Redis).</summary>
    public const string EnvironmentPrefix = "PRECISION_";

    /// <summary>The configuration of <paramref name="args"/>: --settings FILE (JSON, optional), environment, command line.</summary>
    public static IConfiguration Configuration(string[] args, IDictionary<string, string?>? defaults = null)
    {
        var first = new ConfigurationBuilder().AddCommandLine(args).Build();
        var builder = new ConfigurationBuilder();
        if (defaults is not null) builder.AddInMemoryCollection(defaults);
        if (first["settings"] is { Length: > 0 } settings) builder.AddJsonFile(Path.GetFullPath(settings), optional: false);
        return builder.AddEnvironmentVariables(EnvironmentPrefix).AddCommandLine(args).Build();
    }

    /// <summary>The bound options, or the validator's failures (one line each).</summary>
    public static SiloHostOptions Bind(IConfiguration configuration, out IReadOnlyList<string> failures)
    {
        var options = new SiloHostOptions();
        configuration.GetSection(SiloHostOptions.Section).Bind(options);
        var result = new SiloHostOptionsValidator().Validate(null, options);
        var all = result.Failed ? result.Failures.ToList() : [];
        var grains = new RlGrainOptionsValidator().Validate(null, GrainOptions(options, configuration));
        if (grains.Failed) all.AddRange(grains.Failures.Select(f => $"{GrainsSection}: {f}"));
        failures = all;
        return options;
    }

    /// <summary>Section of the RL grains' tuning (WorkerWaitTimeout, RolloutCoalesceWindow, MaxDispatches, WeightWaitTimeout, WeightChunkBytes).</summary>
    public const string GrainsSection = SiloHostOptions.Section + ":Grains";

    /// <summary>The RL grains' options: paths, slots and roles from <paramref name="options"/>, tuning from <see cref="GrainsSection"/>.</summary>
    public static RlGrainOptions GrainOptions(SiloHostOptions options, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(configuration);
        var grains = new RlGrainOptions();
        configuration.GetSection(GrainsSection).Bind(grains);
        return grains with
        {
            // An empty RunsRoot stays empty so that the validator names it (GetFullPath would throw).
            RunsRoot = string.IsNullOrWhiteSpace(options.RunsRoot) ? options.RunsRoot : Path.GetFullPath(options.RunsRoot),
            SpecBaseDirectory = options.SpecBaseDirectory.Length > 0 ? Path.GetFullPath(options.SpecBaseDirectory) : Directory.GetCurrentDirectory(),
            RolloutSlots = options.RolloutSlots,
            Roles = SiloHostOptionsValidator.Roles(options),
        };
    }

    /// <summary>The silo host: a web application when <see cref="SiloHostOptions.WebPort"/> is set, else a plain host.</summary>
    public static IHost Build(SiloHostOptions options, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.WebPort == 0)
        {
            var plain = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
            ConfigureSilo(plain, options, configuration);
            return plain.Build();
        }
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore().ConfigureKestrel(k => k.ListenAnyIP(options.WebPort));
        builder.Services.AddRouting();
        ConfigureSilo(builder, options, configuration);
        var app = builder.Build();
        app.UseMiddleware<WebLoginMiddleware>(new WebSession(options.WebPassword));
        app.UseRouting();
        app.MapOrleansDashboard("/dashboard");
        app.MapRunPages();
        app.MapRunApi(app.Services.GetRequiredService<IGrainFactory>());
        return app;
    }

    private static void ConfigureSilo(IHostApplicationBuilder builder, SiloHostOptions options, IConfiguration configuration)
    {
        builder.Configuration.AddConfiguration(configuration);
        builder.Logging.AddConsole();
        builder.Logging.AddConfiguration(configuration.GetSection("Logging"));
        builder.Services.AddSingleton<IValidateOptions<SiloHostOptions>, SiloHostOptionsValidator>();
        builder.Services.AddOptions<SiloHostOptions>().Bind(configuration.GetSection(SiloHostOptions.Section)).ValidateOnStart();
        builder.UseOrleans(silo =>
        {
            silo.Configure<ClusterOptions>(o =>
            {
                o.ClusterId = options.ClusterId;
                o.ServiceId = options.ServiceId;
            });
            silo.Configure<SiloOptions>(o => o.SiloName = options.Name);
            // In a pod, Orleans' Kubernetes hosting takes the endpoint, name and ids from the pod (POD_IP, labels).
            if (Environment.GetEnvironmentVariable("KUBERNETES_SERVICE_HOST") is { Length: > 0 }) silo.UseKubernetesHosting();
            else silo.ConfigureEndpoints(IPAddress.Parse(options.AdvertisedAddress), options.SiloPort, options.GatewayPort, listenOnAnyHostAddress: true);
            silo.UseRedisClustering(o => o.ConfigurationOptions = ConfigurationOptions.Parse(options.Redis));
            silo.AddRedisGrainStorage(RlStorage.Name, o => o.ConfigurationOptions = ConfigurationOptions.Parse(options.Redis));
            silo.UseFastFailover(TimeSpan.FromSeconds(options.ResponseTimeoutSeconds));
            if (options.CertificatePath.Length > 0) silo.UseClusterCertificate(ClusterCertificate.Load(options.CertificatePath, options.CertificatePassword));
            silo.AddRlGrains(GrainOptions(options, configuration));
            if (options.WebPort > 0) silo.AddDashboard();
        });
    }
}
