namespace Precision.Orleans.Abstractions.Grains.Rl;

/// <summary>
/// One per silo incarnation (key: the silo address), placed on that silo: once started, it joins the silo's rollout
/// workers to the pool and, on a learner silo, restarts the learners of unfinished runs, retrying on a grain timer
/// while the cluster settles.
/// </summary>
public interface ISiloStartGrain : IGrainWithStringKey
{
    /// <summary>Starts the work (idempotent); returns before it is done.</summary>
    Task Start();

    /// <summary>Whether every step has succeeded.</summary>
    [ReadOnly]
    Task<bool> IsDone();
}
