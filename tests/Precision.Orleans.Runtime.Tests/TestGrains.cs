using System.Collections.Concurrent;
using Precision.Orleans.Abstractions.Grains;
using Precision.Orleans.Runtime.Activation;
using Precision.Orleans.Runtime.Placement;

namespace Precision.Orleans.Runtime.Tests;

public sealed record Sample(string Name, float[] Values, IReadOnlyList<int> Counts);

public interface ICounterGrain : IGrainWithStringKey
{
    Task<int> Add(int amount);

    Task<string> WhereAmI();

    [Idempotent]
    Task<int> Get();

    Task<Sample> Echo(Sample sample);

    Task Fail(string message);

    Task Noop();

    Task Deactivate();
}

/// <summary>Counts activations, deactivations and overlapping turns so tests can check the runtime's guarantees.</summary>
public sealed class CounterGrain(Hosting.Silo silo) : Grain, ICounterGrain
{
    public static readonly ConcurrentDictionary<string, int> Activations = new();
    public static readonly ConcurrentDictionary<string, int> Deactivations = new();
    public static readonly ConcurrentDictionary<string, int> MaxConcurrency = new();
    private int _value;
    private int _inside;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        Activations.AddOrUpdate(GrainKey, 1, (_, n) => n + 1);
        return Task.CompletedTask;
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        Deactivations.AddOrUpdate(GrainKey, 1, (_, n) => n + 1);
        return Task.CompletedTask;
    }

    public async Task<int> Add(int amount)
    {
        var inside = Interlocked.Increment(ref _inside);
        MaxConcurrency.AddOrUpdate(GrainKey, inside, (_, n) => Math.Max(n, inside));
        var before = _value;
        // Yield in the middle of a read-modify-write: overlapping turns would lose updates.
        await Task.Delay(1);
        _value = before + amount;
        Interlocked.Decrement(ref _inside);
        return _value;
    }

    public Task<string> WhereAmI() => Task.FromResult(silo.Address.SiloId);

    public Task<int> Get() => Task.FromResult(_value);

    public Task<Sample> Echo(Sample sample) => Task.FromResult(sample with { Name = sample.Name + "!" });

    public Task Fail(string message) => throw new InvalidOperationException(message);

    public Task Noop() => Task.CompletedTask;

    public Task Deactivate()
    {
        DeactivateOnIdle();
        return Task.CompletedTask;
    }
}

public interface IGpuGrain : IGrainWithStringKey
{
    Task<string> WhereAmI();
}

[PlacementRole("gpu")]
public sealed class GpuGrain(Hosting.Silo silo) : Grain, IGpuGrain
{
    public Task<string> WhereAmI() => Task.FromResult(silo.Address.SiloId);
}

public interface IOneWayGrain : IGrainWithStringKey
{
    [OneWay]
    Task Signal(int value);
}

public sealed class OneWayGrain : Grain, IOneWayGrain
{
    public static readonly ConcurrentDictionary<string, int> Received = new();

    public async Task Signal(int value)
    {
        await Task.Delay(50);
        Received[GrainKey] = value;
    }
}
