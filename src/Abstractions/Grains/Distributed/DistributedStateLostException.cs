namespace Precision.Orleans.Abstractions.Grains.Distributed;

/// <summary>
/// A parameter shard, gradient worker or expert worker grain was asked to work but holds none of the state its run gave
/// it: its silo died and the grain was activated again elsewhere, empty (the master slice, the moments, the worker's
/// engine and an expert worker's experts live in memory only). The learner recognizes it — across the wire, hence the
/// generated serializer — as a lost silo, not a bug, and restarts the run from its last checkpoint.
/// </summary>
[GenerateSerializer]
public sealed class DistributedStateLostException : Exception
{
    public DistributedStateLostException() : base("a distributed learner grain lost its state") { }

    public DistributedStateLostException(string message) : base(message) { }

    public DistributedStateLostException(string message, Exception inner) : base(message, inner) { }
}
