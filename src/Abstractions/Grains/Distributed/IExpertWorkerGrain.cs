namespace Precision.Orleans.Abstractions.Grains.Distributed;

/// <summary>
/// One owner of an expert-parallel MoE group (key "{group}/expert/{owners}/{owner}"): a disjoint set of experts of every
/// sparse layer, in the rollout dtype, at one weight version. Rollout workers send it a sparse layer's routed rows of its
/// experts and combine what comes back themselves, in their fixed order.
/// </summary>
public interface IExpertWorkerGrain : IGrainWithStringKey
{
    /// <summary>Replaces the held experts with <paramref name="weights"/>'s (a no-op when the same version of the same set is held).</summary>
    Task Load(ExpertWeights weights);

    /// <summary>Runs each listed expert over its rows; fails when the rows name another weight version or an expert not held here.</summary>
    Task<byte[]> Run(ExpertRows rows);

    /// <summary>The weight version held; -1 before the first load.</summary>
    Task<long> GetWeightVersion();
}
