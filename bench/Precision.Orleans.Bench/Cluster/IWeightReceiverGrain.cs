namespace Precision.Orleans.Bench.Cluster;

/// <summary>Stands where a rollout worker stands: asks its silo's weight cache for a version and reports the bytes it got.</summary>
public interface IWeightReceiverGrain : IGrainWithStringKey
{
    Task<long> Receive(string runId, long version);
}
