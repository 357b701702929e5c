using Precision.Orleans.Abstractions.Grains;
using Precision.Orleans.Runtime.Directory;

namespace Precision.Orleans.Runtime.Activation;

/// <summary>
/// Base class of grain implementations (Orleans-shaped). The runtime creates one instance per activation (through
/// the silo's service provider, so constructors may take services), sets its identity, then calls
/// <see cref="OnActivateAsync"/> before the first call and <see cref="OnDeactivateAsync"/> when the activation is
/// collected or its silo stops gracefully. Calls run one at a time (turn-based, non-reentrant): a grain's fields need
/// no locks, and a grain must not await a call to itself (it would wait for its own turn until the call times out).
/// </summary>
public abstract class Grain
{
    private ActivationData? _activation;

    /// <summary>The grain's string key (Orleans: GetPrimaryKeyString()).</summary>
    public string GrainKey => Activation.Address.GrainId.Key;

    /// <summary>Identity: grain interface type name and key.</summary>
    public GrainId GrainId => Activation.Address.GrainId;

    /// <summary>References to other grains (and to itself, for one-way self-notification).</summary>
    public IGrainFactory GrainFactory => Activation.GrainFactory;

    public string GetPrimaryKeyString() => GrainKey;

    /// <summary>Runs once, as the activation's first turn, before any call. An exception fails the first call and
    /// discards the activation.</summary>
    public virtual Task OnActivateAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Runs once when the activation is collected (idle) or its silo stops gracefully; not on a crash.</summary>
    public virtual Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Asks the runtime to deactivate this activation once the current call returns.</summary>
    protected void DeactivateOnIdle() => Activation.DeactivateRequested = true;

    internal ActivationData Activation =>
        _activation ?? throw new InvalidOperationException($"{GetType().Name} is not activated: grains are created by the runtime, not with new.");

    internal void Attach(ActivationData activation) => _activation = activation;
}
