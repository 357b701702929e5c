using System.Reflection;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Precision.Orleans.Abstractions.Grains;
using Precision.Orleans.Runtime.Activation;
using Precision.Orleans.Runtime.Directory;
using Precision.Orleans.Runtime.Membership;
using Precision.Orleans.Runtime.Messaging;

namespace Precision.Orleans.Runtime.Hosting;

/// <summary>
/// Assembles a <see cref="Silo"/>: options, grain classes, services for grain constructors, and the three cluster
/// parts — membership table, grain directory, transport. <see cref="UseInProcessCluster"/> wires all three for one
/// process (the embedded mode); the PostgreSQL + HTTP/2 host plugs its own in with <see cref="UseClustering"/> and
/// <see cref="UseTransport"/>.
/// </summary>
public sealed class SiloBuilder
{
    private readonly GrainTypeRegistry _registry = new();
    private readonly List<Action<IServiceCollection>> _services = [];
    private readonly List<Func<Silo, Task>> _onStarting = [];
    private readonly List<Action<Silo>> _onStopped = [];
    private SiloOptions _options = new();
    private IMembershipTable? _membership;
    private IGrainDirectory? _directory;
    private IGrainTransport? _transport;
    private TimeProvider _time = TimeProvider.System;
    private ILoggerFactory _loggerFactory = NullLoggerFactory.Instance;
    private static long s_lastGeneration;

    /// <summary>A one-process silo: in-memory membership and directory, loopback transport, no server.</summary>
    public static SiloBuilder CreateEmbedded() => new SiloBuilder().UseInProcessCluster(new InProcessCluster());

    public SiloBuilder Configure(Func<SiloOptions, SiloOptions> configure)
    {
        _options = configure(_options);
        return this;
    }

    public SiloBuilder UseSiloId(string siloId) => Configure(o => o with { SiloId = siloId });

    public SiloBuilder AddRoles(params string[] roles) => Configure(o => o with { Roles = [.. o.Roles, .. roles] });

    public SiloBuilder AddGrain<TGrain>() where TGrain : Grain => AddGrains(typeof(TGrain));

    public SiloBuilder AddGrains(params Type[] grainClasses)
    {
        foreach (var grainClass in grainClasses)
        {
            _registry.Add(grainClass);
        }
        return this;
    }

    public SiloBuilder AddGrainsFrom(Assembly assembly)
    {
        _registry.AddAssembly(assembly);
        return this;
    }

    /// <summary>Services grain constructors may ask for (the silo adds <see cref="IGrainFactory"/>, <see cref="Silo"/>,
    /// TimeProvider and ILoggerFactory).</summary>
    public SiloBuilder ConfigureServices(Action<IServiceCollection> configure)
    {
        _services.Add(configure);
        return this;
    }

    public SiloBuilder UseClustering(IMembershipTable membership, IGrainDirectory directory)
    {
        _membership = membership;
        _directory = directory;
        return this;
    }

    public SiloBuilder UseTransport(IGrainTransport transport)
    {
        _transport = transport;
        return this;
    }

    /// <summary>Joins the one-process cluster: its tables, and its loopback network as transport and server.</summary>
    public SiloBuilder UseInProcessCluster(InProcessCluster cluster)
    {
        UseClustering(cluster.Membership, cluster.Directory);
        UseTransport(new LoopbackTransport(cluster.Network));
        _onStarting.Add(silo =>
        {
            cluster.Network.Attach(silo.Address, silo);
            return Task.CompletedTask;
        });
        _onStopped.Add(silo => cluster.Network.Detach(silo.Address));
        return this;
    }

    /// <summary>Runs when the silo starts serving, before it joins (e.g. start the HTTP server).</summary>
    public SiloBuilder OnStarting(Func<Silo, Task> hook)
    {
        _onStarting.Add(hook);
        return this;
    }

    /// <summary>Runs when the silo stops serving (stop, abort, or declared dead).</summary>
    public SiloBuilder OnStopped(Action<Silo> hook)
    {
        _onStopped.Add(hook);
        return this;
    }

    /// <summary>The clock for heartbeats, failure detection and idle collection (call timeouts use real time).</summary>
    public SiloBuilder UseTimeProvider(TimeProvider time)
    {
        _time = time;
        return this;
    }

    public SiloBuilder UseLoggerFactory(ILoggerFactory loggerFactory)
    {
        _loggerFactory = loggerFactory;
        return this;
    }

    public Silo Build()
    {
        var membership = _membership ?? throw new InvalidOperationException("SiloBuilder: no membership table; call UseClustering or UseInProcessCluster.");
        var directory = _directory ?? throw new InvalidOperationException("SiloBuilder: no grain directory; call UseClustering or UseInProcessCluster.");
        var transport = _transport ?? throw new InvalidOperationException("SiloBuilder: no transport; call UseTransport or UseInProcessCluster.");
        ArgumentException.ThrowIfNullOrWhiteSpace(_options.SiloId, "SiloOptions.SiloId");
        var address = new SiloAddress(_options.SiloId, _options.Endpoint ?? $"loopback://{_options.SiloId}", NextGeneration(_time));
        Silo? silo = null;
        IServiceProvider BuildServices(IGrainFactory grainFactory)
        {
            var services = new ServiceCollection();
            services.AddSingleton(grainFactory);
            services.AddSingleton(_time);
            services.AddSingleton(_loggerFactory);
            services.AddSingleton(typeof(ILogger<>), typeof(Logger<>));
            services.AddSingleton(_ => silo!);
            foreach (var configure in _services)
            {
                configure(services);
            }
            return services.BuildServiceProvider();
        }
        silo = new Silo(address, _options, membership, directory, transport, _registry, BuildServices, _time, _loggerFactory, [.. _onStarting], [.. _onStopped]);
        return silo;
    }

    /// <summary>UTC ticks, strictly increasing within the process so a restarted silo always gets a newer generation.</summary>
    private static long NextGeneration(TimeProvider time)
    {
        var now = time.GetUtcNow().UtcTicks;
        while (true)
        {
            var last = Interlocked.Read(ref s_lastGeneration);
            var next = Math.Max(now, last + 1);
            if (Interlocked.CompareExchange(ref s_lastGeneration, next, last) == last)
            {
                return next;
            }
        }
    }
}
