using System.Collections.Concurrent;
using Precision.Orleans.Abstractions.Grains.Rl;

namespace Precision.Orleans.Client.Tests.Fakes;

/// <summary>
/// The state behind <see cref="BookRunGrain"/> / <see cref="BookRunRegistryGrain"/>, shared through the silo's
/// services so a test can append trained steps the way a learner would and read what the API did.
/// </summary>
public sealed class RunBook
{
    public ConcurrentDictionary<string, RunStatus> Runs { get; } = new(StringComparer.Ordinal);

    public ConcurrentDictionary<string, List<IterationRecord>> Metrics { get; } = new(StringComparer.Ordinal);

    /// <summary>Order of registration (the registry lists oldest first).</summary>
    public ConcurrentQueue<string> Order { get; } = new();

    /// <summary>Records a trained step as the learner would: a metrics row and the status' step/accuracy/version.</summary>
    public void Train(string runId, IterationRecord row)
    {
        lock (Metrics)
        {
            Metrics.GetOrAdd(runId, _ => []).Add(row);
            var status = Runs[runId];
            var done = row.Step >= status.Iterations;
            Runs[runId] = status with
            {
                Step = row.Step,
                LastAccuracy = row.Accuracy,
                WeightVersion = row.WeightVersion,
                WeightHash = row.WeightHash,
                State = status.State is RunState.Cancelled ? status.State : done ? RunState.Completed : RunState.Running,
                UpdatedAt = DateTimeOffset.UtcNow,
            };
        }
    }

    public static IterationRecord Row(int step, double accuracy) => new()
    {
        Step = step,
        WeightVersion = step,
        WeightHash = new string((char)('a' + step % 6), 64),
        Accuracy = accuracy,
        RewardMean = accuracy,
        K1 = 1e-4 * step,
        K3 = 2.5e-7 * step,
        MeanAbsProbDiff = 0.003,
        MeanAbsSeqLogRatio = 0.0019 + step * 1e-4,
        LossScale = 65536,
        TokensPerSecond = 1000 + step,
        Rollouts = 16,
        ResponseTokens = 320,
        IterationSeconds = 0.5,
        Workers = 2,
        CompletedAt = DateTimeOffset.UnixEpoch.AddSeconds(step),
    };
}
