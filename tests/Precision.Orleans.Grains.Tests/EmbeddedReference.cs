using Precision.Orleans.RL.Spec;
using Precision.Orleans.RL.Training;

namespace Precision.Orleans.Grains.Tests;

/// <summary>The embedded single-process trainer on the same spec: the reference the cluster must reproduce.</summary>
internal static class EmbeddedReference
{
    public static IReadOnlyList<IterationMetrics> Run(string yaml, string runDirectory)
    {
        var spec = RunSpecLoader.Parse(yaml, "embedded reference spec");
        var rows = new List<IterationMetrics>();
        new RlTrainer(spec, runDirectory).Run(new SyncProgress(rows.Add));
        return rows;
    }

    private sealed class SyncProgress(Action<IterationMetrics> report) : IProgress<IterationMetrics>
    {
        public void Report(IterationMetrics value) => report(value);
    }
}
