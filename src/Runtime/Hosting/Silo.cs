using Microsoft.Extensions.Logging;
using Precision.Orleans.Abstractions.Grains;
using Precision.Orleans.Runtime.Activation;
using Precision.Orleans.Runtime.Directory;
using Precision.Orleans.Runtime.Membership;
using Precision.Orleans.Runtime.Messaging;
using Precision.Orleans.Runtime.Placement;

namespace Precision.Orleans.Runtime.Hosting;

/// <summary>
/// A silo: hosts activations of the registered grain classes, takes calls from its transport server
/// (<see cref="HandleAsync"/>), calls other grains through its <see cref="GrainFactory"/>, and keeps its membership
/// row alive. Built by <see cref="SiloBuilder"/>. Lifecycle: <see cref="StartAsync"/> → serving →
/// <see cref="StopAsync"/> (graceful: grains deactivate, row becomes Dead) or <see cref="Abort"/> (a simulated
/// crash: the cluster notices through missed heartbeats).
/// </summary>
public sealed class Silo : IGrainCallHandler, IAsyncDisposable
{
    private readonly GrainTypeRegistry _registry;
    private readonly IGrainDirectory _directory;
    private readonly PlacementDirector _placement;
    private readonly ActivationCatalog _catalog;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly IReadOnlyList<Func<Silo, Task>> _onStarting;
    private readonly IReadOnlyList<Action<Silo>> _onStopped;
    private ITimer? _collectionTimer;
    private volatile SiloState _state = SiloState.Created;

    internal Silo(
        SiloAddress address,
        SiloOptions options,
        IMembershipTable membershipTable,
        IGrainDirectory directory,
        IGrainTransport transport,
        GrainTypeRegistry registry,
        Func<IGrainFactory, IServiceProvider> buildServices,
        TimeProvider time,
        ILoggerFactory loggerFactory,
        IReadOnlyList<Func<Silo, Task>> onStarting,
        IReadOnlyList<Action<Silo>> onStopped)
    {
        Address = address;
        Options = options;
        _registry = registry;
        _directory = directory;
        _time = time;
        _logger = loggerFactory.CreateLogger("Precision.Orleans.Runtime.Silo");
        _onStarting = onStarting;
        _onStopped = onStopped;
        _placement = new PlacementDirector(options.Placement);
        View = new MembershipView(membershipTable);
        var invoker = new GrainCallInvoker(directory, View, transport, _placement, registry, options.Calls, _logger)
        {
            Local = (address, this),
        };
        GrainFactory = new Proxies.GrainFactory(invoker);
        Services = buildServices(GrainFactory);
        _catalog = new ActivationCatalog(address, directory, Services, GrainFactory, time, _logger);
        var self = new MembershipEntry(address, options.Roles, SiloStatus.Joining, default, default);
        Membership = new MembershipAgent(self, membershipTable, directory, transport, View, options.Membership, time, _logger);
        Membership.DeclaredDead += OnDeclaredDead;
    }

    public SiloAddress Address { get; }

    public SiloOptions Options { get; }

    /// <summary>References to grains anywhere in the cluster, for code running in this silo's process.</summary>
    public IGrainFactory GrainFactory { get; }

    /// <summary>The services grains are constructed from (includes <see cref="IGrainFactory"/> and this silo).</summary>
    public IServiceProvider Services { get; }

    public MembershipAgent Membership { get; }

    /// <summary>This silo's latest snapshot of the membership table.</summary>
    public MembershipView View { get; }

    public bool IsServing => _state == SiloState.Running;

    /// <summary>Activations living here now.</summary>
    public int ActivationCount => _catalog.Count;

    /// <summary>The grains activated here now.</summary>
    public IReadOnlyCollection<GrainAddress> Activations => _catalog.Addresses;

    public bool HasActivation(GrainId grainId) => _catalog.TryGet(grainId, out _);

    /// <summary>Calls this silo has handled, in total and per grain type (for the cluster API and dashboard).</summary>
    public SiloCallCounters Calls { get; } = new();

    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        if (_state != SiloState.Created)
        {
            throw new InvalidOperationException($"Silo {Address} was already started.");
        }
        // Serve before joining: once the row is Active, peers may send calls and probes.
        _state = SiloState.Running;
        foreach (var hook in _onStarting)
        {
            await hook(this).ConfigureAwait(false);
        }
        await Membership.JoinAsync(cancellationToken).ConfigureAwait(false);
        _collectionTimer = _time.CreateTimer(_ => _ = CollectIdleSafelyAsync(), null, Options.IdleCollectionPeriod, Options.IdleCollectionPeriod);
        RuntimeLog.SiloActive(_logger, Address, string.Join(",", Options.Roles));
    }

    /// <summary>Graceful stop: no new placements, every activation deactivates (OnDeactivateAsync, directory entry
    /// removed), then the membership row becomes Dead.</summary>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        if (_state != SiloState.Running)
        {
            return;
        }
        // Stop taking calls first, so no activation is created behind the deactivation sweep; callers re-route.
        _state = SiloState.Stopping;
        await Membership.BeginShutdownAsync(cancellationToken).ConfigureAwait(false);
        StopTimers();
        await _catalog.DeactivateAllAsync().ConfigureAwait(false);
        _state = SiloState.Stopped;
        await Membership.LeaveAsync(cancellationToken).ConfigureAwait(false);
        Detach("stopped");
    }

    /// <summary>Simulates a crash (like SIGKILL): stops serving and heartbeating at once, without telling anyone.
    /// Activations vanish without OnDeactivateAsync; the cluster declares this silo dead after missed heartbeats.</summary>
    public void Abort()
    {
        StopTimers();
        _state = SiloState.Stopped;
        _catalog.DropAll();
        Detach("aborted");
    }

    /// <summary>Deactivates activations idle for <see cref="SiloOptions.IdleDeactivationAge"/> (also run periodically).</summary>
    public Task<int> CollectIdleActivationsAsync() => _catalog.CollectIdleAsync(Options.IdleDeactivationAge);

    public async Task<GrainCallResponse> HandleAsync(GrainCallRequest request, CancellationToken cancellationToken = default)
    {
        if (!IsServing)
        {
            return GrainCallResponse.Reject($"silo {Address} is not serving");
        }
        Calls.Count(request.GrainId.Type);
        var grainClass = _registry.Find(request.GrainId.Type);
        var grainInterface = _registry.FindInterface(request.GrainId.Type);
        if (grainClass is null || grainInterface is null)
        {
            return GrainCallResponse.Error(new InvalidOperationException($"No grain class implementing {request.GrainId.Type} is registered on silo {Address}."));
        }
        GrainMethod method;
        try
        {
            method = grainInterface.Method(request.Method);
        }
        catch (MissingMethodException e)
        {
            return GrainCallResponse.Error(e);
        }
        if (grainClass.Role is { } role && !Options.Roles.Contains(role, StringComparer.OrdinalIgnoreCase))
        {
            return await RedirectToRoleAsync(request, role, cancellationToken).ConfigureAwait(false);
        }
        return await _catalog.InvokeAsync(request, grainClass, method, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A caller that did not know the grain's role (e.g. a client without the grain classes) reached a silo
    /// lacking it: point it at the live activation, or at a silo with the role.</summary>
    private async Task<GrainCallResponse> RedirectToRoleAsync(GrainCallRequest request, string role, CancellationToken cancellationToken)
    {
        var existing = await _directory.LookupAsync(request.GrainId, cancellationToken).ConfigureAwait(false);
        if (existing is not null && existing.Silo != Address && View.IsAlive(existing.Silo))
        {
            return GrainCallResponse.RedirectTo(existing);
        }
        return _placement.Choose(role, View.Entries) is { } target
            ? GrainCallResponse.RedirectTo(new GrainAddress(request.GrainId, target, ActivationId: ""))
            : GrainCallResponse.Reject($"no Active silo has role '{role}'");
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        await Membership.DisposeAsync().ConfigureAwait(false);
    }

    private void OnDeclaredDead()
    {
        StopTimers();
        _state = SiloState.Stopped;
        _catalog.DropAll();
        Detach("declared dead");
    }

    private void StopTimers()
    {
        Membership.StopTimer();
        _collectionTimer?.Dispose();
        _collectionTimer = null;
    }

    private void Detach(string reason)
    {
        foreach (var hook in _onStopped)
        {
            hook(this);
        }
        RuntimeLog.SiloStopped(_logger, Address, reason);
    }

    private async Task CollectIdleSafelyAsync()
    {
        try
        {
            await CollectIdleActivationsAsync().ConfigureAwait(false);
        }
        catch (Exception e)
        {
            RuntimeLog.CollectionFailed(_logger, e);
        }
    }

    private enum SiloState
    {
        Created,
        Running,
        Stopping,
        Stopped,
    }
}
