namespace Precision.Orleans.Grains.Distributed;

/// <summary>
/// Names of a run's expert-parallel groups; owner o of group G is the expert worker "G/expert/{owners}/{o}"
/// (<see cref="ExpertWorkerGroup"/>, <see cref="ExpertTrainingGroup"/>). Training groups end in <see cref="TrainingSuffix"/>,
/// which is how placement tells them from rollout groups.
/// </summary>
public static class ExpertGroups
{
    /// <summary>The last segment of a training group's name.</summary>
    public const string TrainingSuffix = "/train";

    private const string OwnerMarker = "/expert/";

    /// <summary>A rollout worker's group: the experts of the engine that samples on <paramref name="worker"/> ("{silo}/{slot}").</summary>
    public static string Rollout(string runId, string worker) => $"{runId}/rollout/{worker}";

    /// <summary>The learner grain's own training engine (old log-probs; the whole step of an unsharded run).</summary>
    public static string Learner(string runId) => $"{runId}/learner{TrainingSuffix}";

    /// <summary>The training engine of the gradient worker keyed <paramref name="gradientWorkerKey"/> ("{run}/worker/{j}").</summary>
    public static string GradientWorker(string gradientWorkerKey) => $"{gradientWorkerKey}{TrainingSuffix}";

    /// <summary>Whether the expert worker keyed <paramref name="expertWorkerKey"/> ("{group}/expert/{owners}/{o}") belongs to a training group.</summary>
    public static bool IsTraining(string expertWorkerKey)
    {
        ArgumentNullException.ThrowIfNull(expertWorkerKey);
        int marker = expertWorkerKey.LastIndexOf(OwnerMarker, StringComparison.Ordinal);
        return marker >= 0 && expertWorkerKey.AsSpan(0, marker).EndsWith(TrainingSuffix, StringComparison.Ordinal);
    }
}
