using Precision.Orleans.Abstractions.Grains;
using Precision.Orleans.Runtime.Activation;
using Precision.Orleans.Runtime.Placement;
using RuntimeSilo = Precision.Orleans.Runtime.Hosting.Silo;

namespace Precision.Orleans.Runtime.TestGrains;

/// <summary>Says which silo it lives on and how many calls this activation has served.</summary>
public interface IWorkerGrain : IGrainWithStringKey
{
    Task<WorkerReply> WhereAsync();

    /// <summary>An empty call: the cost of the grain layer itself.</summary>
    [Idempotent]
    Task PingAsync();
}

public sealed record WorkerReply(string SiloId, int CallsServed);

/// <summary>Calls a worker grain from inside a silo: a silo-to-silo grain call.</summary>
public interface IRelayGrain : IGrainWithStringKey
{
    Task<WorkerReply> AskWorkerAsync(string workerKey);
}

[PlacementRole("worker")]
public sealed class WorkerGrain(RuntimeSilo silo) : Grain, IWorkerGrain
{
    private int _calls;

    public Task<WorkerReply> WhereAsync() => Task.FromResult(new WorkerReply(silo.Address.SiloId, ++_calls));

    public Task PingAsync() => Task.CompletedTask;
}

[PlacementRole("relay")]
public sealed class RelayGrain : Grain, IRelayGrain
{
    public Task<WorkerReply> AskWorkerAsync(string workerKey) => GrainFactory.GetGrain<IWorkerGrain>(workerKey).WhereAsync();
}
