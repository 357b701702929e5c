namespace Precision.Orleans.Abstractions.Grains.Rl;

/// <summary>All runs of the cluster (key <see cref="Key"/>).</summary>
public interface IRunRegistryGrain : IGrainWithStringKey
{
    public const string Key = "runs";

    Task Register(string runId);

    /// <summary>Every registered run's status, oldest first.</summary>
    [ReadOnly]
    Task<IReadOnlyList<RunStatus>> List();
}
