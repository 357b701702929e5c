using Orleans.Runtime.Messaging;
using Precision.Orleans.Abstractions.Grains.Distributed;

namespace Precision.Orleans.Grains.Distributed;

/// <summary>
/// Which failures of a sharded run the learner restarts from its last checkpoint: those that mean a silo of the run was
/// lost (and with it the shard or worker state on it), which a restart on the silos still alive repairs. Anything else
/// — a bug, bad data, a disagreement between shards — fails the run at once: restarting would only repeat it, and
/// spend every configured restart doing so.
/// </summary>
public static class ShardedStepFailure
{
    /// <summary>
    /// True when <paramref name="error"/> is a lost silo or lost distributed state; an <see cref="AggregateException"/>
    /// only when every exception in it is.
    /// </summary>
    public static bool IsRecoverable(Exception error)
    {
        ArgumentNullException.ThrowIfNull(error);
        if (error is AggregateException aggregate)
        {
            var inner = aggregate.Flatten().InnerExceptions;
            return inner.Count > 0 && inner.All(IsRecoverable);
        }
        return error switch
        {
            // A shard or gradient worker activated again elsewhere after its silo died: it holds none of the run's state.
            DistributedStateLostException => true,
            // A call in flight to a silo that died ("the target silo became unavailable"), or one sent to a silo the
            // membership already knows is dead (SiloUnavailableException derives from the rejection).
            OrleansMessageRejectionException => true,
            // Connecting to a killed silo's endpoint fails until the membership declares it dead.
            ConnectionFailedException => true,
            // A killed silo whose connection did not close answers nothing: the call runs out its response timeout.
            TimeoutException => true,
            _ => false,
        };
    }
}
