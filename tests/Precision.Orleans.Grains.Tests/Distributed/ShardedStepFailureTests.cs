using Microsoft.Extensions.DependencyInjection;
using Orleans.Runtime.Messaging;
using Orleans.Serialization;
using Orleans.Storage;
using Precision.Orleans.Abstractions.Grains.Distributed;
using Precision.Orleans.Grains.Distributed;
using Xunit;

namespace Precision.Orleans.Grains.Tests.Distributed;

/// <summary>
/// What a sharded run restarts on: the failures a lost silo produces, nothing else — and the exception a shard or worker
/// throws when it lost its state crosses Orleans' serializer as itself, so the learner recognizes it from another silo.
/// </summary>
public sealed class ShardedStepFailureTests
{
    private static readonly Serializer Serializer = new ServiceCollection().AddSerializer().BuildServiceProvider().GetRequiredService<Serializer>();

    public static TheoryData<Exception> LostSilo => new()
    {
        new DistributedStateLostException("parameter shard 'r/shard/1' holds no state"),
        new SiloUnavailableException("The target silo became unavailable for message: … Apply"),
        new ConnectionFailedException("Unable to connect to S127.0.0.1:1234:1"),
        new TimeoutException("Response did not arrive on time in 00:00:20"),
        new AggregateException(new SiloUnavailableException(), new TimeoutException()),
    };

    public static TheoryData<Exception> NotALostSilo => new()
    {
        new InvalidOperationException("run r step 3: shards answered the decision differently"),
        new ArgumentException("micro-batches must be consecutive"),
        new InvalidDataException("weights assembled from the shards hash to …"),
        new OrleansException("no active silo has the 'learner' role"),
        new InconsistentStateException("stored ETag a, writer had b"),
        new AggregateException(new SiloUnavailableException(), new InvalidOperationException("a bug")),
        new AggregateException(),
    };

    [Theory]
    [MemberData(nameof(LostSilo))]
    public void A_lost_silo_or_lost_shard_state_is_recoverable(Exception error) => Assert.True(ShardedStepFailure.IsRecoverable(error));

    [Theory]
    [MemberData(nameof(NotALostSilo))]
    public void Any_other_error_is_not(Exception error) => Assert.False(ShardedStepFailure.IsRecoverable(error));

    [Fact]
    public void The_lost_state_exception_crosses_the_wire_as_itself()
    {
        Exception sent = new DistributedStateLostException("parameter shard 'r/shard/1' holds no state");
        var arrived = Serializer.Deserialize<Exception>(Serializer.SerializeToArray(sent));
        Assert.IsType<DistributedStateLostException>(arrived);
        Assert.Equal(sent.Message, arrived.Message);
        Assert.True(ShardedStepFailure.IsRecoverable(arrived));
    }
}
