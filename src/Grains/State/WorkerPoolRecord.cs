namespace Precision.Orleans.Grains.State;

/// <summary>The registered rollout workers (durable: the pool may re-activate on another silo).</summary>
[GenerateSerializer]
public sealed class WorkerPoolRecord
{
    [Id(0)] public List<WorkerRegistration> Workers { get; set; } = [];
}
