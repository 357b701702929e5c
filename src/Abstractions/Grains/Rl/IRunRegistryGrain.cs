namespace Precision.Orleans.Abstractions.Grains.Rl;

/// <summary>All runs of the cluster (key <see cref="Key"/>).</summary>
public interface IRunRegistryGrain : IGrainWithStringKey
{
    public const string Key = "runs";

    [Idempotent]
    Task Register(string runId);

    /// <summary>Every registered run's status, oldest first.</summary>
    [Idempotent]
    Task<IReadOnlyList<RunStatus>> List();
}
