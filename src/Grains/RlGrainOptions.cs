namespace Precision.Orleans.Grains;

/// <summary>Options of the RL grains on a silo (the same on every silo of a cluster, except <see cref="RolloutSlots"/> and <see cref="Roles"/>).</summary>
public sealed record RlGrainOptions
{
    /// <summary>Run directories (checkpoints, spec.yaml, metrics.jsonl) live under RunsRoot/{runId}: a shared volume in a cluster. Default "runs".</summary>
    public string RunsRoot { get; init; } = "runs";

    /// <summary>Relative paths in a submitted spec (model, problems) resolve against this directory. Default: the current directory.</summary>
    public string SpecBaseDirectory { get; init; } = Directory.GetCurrentDirectory();

    /// <summary>Rollout worker grains this silo hosts ("{siloName}/0" …), registered with the pool once the silo is Active. Default 0.</summary>
    public int RolloutSlots { get; init; }

    /// <summary>This silo's placement roles (silo metadata): "learner" hosts learners. Default none.</summary>
    public IReadOnlyList<string> Roles { get; init; } = [];

    /// <summary>How long a prompt group waits for a rollout worker to be registered. Default 20 s.</summary>
    public TimeSpan WorkerWaitTimeout { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>
    /// How long a rollout worker that was idle waits, after the first request arrives, for the step's other prompt groups
    /// before sampling: the groups queued by then that share the run, weight window and sampling settings decode as one
    /// batch. Zero samples at once (requests arriving while a batch runs still coalesce). Default 10 ms.
    /// </summary>
    public TimeSpan RolloutCoalesceWindow { get; init; } = TimeSpan.FromMilliseconds(10);

    /// <summary>How many dispatches a prompt group tries (each to a different worker when one exists) before failing. Default 8.</summary>
    public int MaxDispatches { get; init; } = 8;

    /// <summary>How long a weight-manifest request waits for a version the learner has not published yet. Default 20 s.</summary>
    public TimeSpan WeightWaitTimeout { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>Bytes per weight chunk: well under Orleans' MaxMessageBodySize (an over-size message hangs the call). Default 1 MiB (measured: as fast as 4 MiB to 1 and 4 receivers, faster to 16; 16 MiB slower).</summary>
    public int WeightChunkBytes { get; init; } = 1 << 20;

    /// <summary>
    /// How many times a sharded (<c>parallel</c>) run whose distributed step failed because a shard's or gradient worker's
    /// silo died (<see cref="Distributed.ShardedStepFailure.IsRecoverable"/>; any other error fails the run at once) is
    /// restarted from its last checkpoint before the run fails with the last error. Zero fails it at the first failed
    /// step. Default 5.
    /// </summary>
    public int ShardedRunRestarts { get; init; } = 5;

    /// <summary>Wait before each such restart, so the membership can declare a killed silo dead and placement skip it. Default 2 s.</summary>
    public TimeSpan ShardedRunRestartDelay { get; init; } = TimeSpan.FromSeconds(2);
}
