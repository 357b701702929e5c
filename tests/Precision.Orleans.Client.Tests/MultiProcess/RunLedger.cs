using Precision.Orleans.Abstractions.Grains.Rl;
using Precision.Orleans.RL.Spec;
using Precision.Orleans.RL.Training;
using Xunit;

namespace Precision.Orleans.Client.Tests.MultiProcess;

/// <summary>Assertions over a run's records: the exactly-once ledger and equality with the embedded trainer.</summary>
internal static class RunLedger
{
    /// <summary>Every (step, prompt index) of the run trained once, and nothing else.</summary>
    public static void AssertExactlyOnce(IReadOnlyList<TrainedGroup> trained, int steps, int prompts)
    {
        var expected = Enumerable.Range(1, steps).SelectMany(s => Enumerable.Range(0, prompts).Select(p => (s, p))).ToList();
        Assert.Equal(expected, trained.Select(t => (t.Step, t.PromptIndex)).Order().ToList());
    }

    /// <summary>The embedded trainer's rows of the spec at <paramref name="specPath"/>.</summary>
    public static List<IterationMetrics> Embedded(string specPath, string baseDirectory, string runDirectory)
    {
        var rows = new List<IterationMetrics>();
        new RlTrainer(RunSpecLoader.Parse(File.ReadAllText(specPath), specPath, baseDirectory), runDirectory).Run(new Collect(rows));
        return rows;
    }

    /// <summary>Bit-identical training: loss, k3, accuracy, gradient norm and tokens of every step.</summary>
    public static void AssertSame(IReadOnlyList<IterationMetrics> embedded, IReadOnlyList<IterationRecord> cluster)
    {
        Assert.Equal(embedded.Count, cluster.Count);
        // Equal rows prove something only if the run trained: a run whose groups all earn one reward never moves.
        Assert.Contains(embedded, r => r.GradNormMax > 0);
        for (int i = 0; i < embedded.Count; i++)
        {
            var (e, c) = (embedded[i], cluster[i]);
            Assert.True(e.Step == c.Step && e.Loss == c.Loss && e.K3 == c.K3 && e.Accuracy == c.Accuracy && e.GradNormMean == c.GradNormMean
                && e.ResponseTokens == c.ResponseTokens, $"step {e.Step}: embedded loss {e.Loss:R} k3 {e.K3:R}, cluster step {c.Step} loss {c.Loss:R} k3 {c.K3:R}");
        }
    }

    private sealed class Collect(List<IterationMetrics> rows) : IProgress<IterationMetrics>
    {
        public void Report(IterationMetrics value) => rows.Add(value);
    }
}
