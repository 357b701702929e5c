using Precision.Orleans.Abstractions.Grains;
using Precision.Orleans.Runtime.Directory;

namespace Precision.Orleans.Runtime.Activation;

/// <summary>
/// One live activation: the grain instance, its directory address, and the turn gate that lets exactly one call
/// (or lifecycle callback) run at a time.
/// </summary>
internal sealed class ActivationData(GrainAddress address, GrainClass grainClass, IGrainFactory grainFactory, DateTimeOffset createdAt)
{
    private int _pending;

    public GrainAddress Address { get; } = address;

    public GrainClass Class { get; } = grainClass;

    public IGrainFactory GrainFactory { get; } = grainFactory;

    public Grain Instance { get; set; } = null!;

    /// <summary>Held by the running turn; FIFO-ish waiters (SemaphoreSlim) are the queued calls.</summary>
    public SemaphoreSlim Turn { get; } = new(1, 1);

    public ActivationState State { get; set; } = ActivationState.Valid;

    public DateTimeOffset LastActivity { get; set; } = createdAt;

    public bool DeactivateRequested { get; set; }

    /// <summary>Calls queued or running; an activation with pending calls is never idle.</summary>
    public int Pending => Volatile.Read(ref _pending);

    public void Enter() => Interlocked.Increment(ref _pending);

    public void Leave() => Interlocked.Decrement(ref _pending);
}
