namespace Precision.Orleans.Grains.Distributed;

/// <summary>Grain keys of a run's distributed learner.</summary>
public static class ShardKeys
{
    public static string Shard(string runId, int shard) => $"{runId}/shard/{shard}";

    public static string Worker(string runId, int worker) => $"{runId}/worker/{worker}";
}
