using Xunit;
using Precision.Orleans.RL.Experiments;
using Precision.Orleans.RL.Spec;
using Precision.Orleans.RL.Training;

namespace Precision.Orleans.RL.Tests.Experiments;

public sealed class ExperimentRunnerTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("exp-runner").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    private static IReadOnlyList<ExperimentCell> Cells(int iterations = 4, double stopAt = 0) =>
        new ExperimentGrid
        {
            Base = new RunSpec { Model = "m", Schedule = new ScheduleSpec { Iterations = iterations, StopAtAccuracy = stopAt } },
            Algorithms = ["pg-seq-is", "grpo"],
            Precisions = [PrecisionPair.Parse("fp16/fp16")],
        }.Expand();

    /// <summary>A trainer stand-in that continues a run from its last metrics row, like a resume from a checkpoint would.</summary>
    private sealed class FakeTrainer
    {
        public List<(string Name, int FirstStep)> Calls { get; } = [];
        public string? FailOn { get; init; }

        public RunSummary Run(RunSpec spec, string dir, IProgress<IterationMetrics> progress, CancellationToken ct)
        {
            if (spec.Name == FailOn) throw new InvalidOperationException("loss became NaN at step 1");
            string path = Path.Combine(dir, MetricsFile.FileName);
            // Like a resume from the last checkpoint: keep the complete rows, drop a partly written one, continue.
            var rows = MetricsFile.Read(path).Rows.ToList();
            int from = rows.Count + 1;
            Calls.Add((spec.Name, from));
            for (int step = from; step <= spec.Schedule.Iterations; step++)
            {
                var row = SyntheticMetrics.Row(step, 0.5, spec.Algorithm.Name);
                rows.Add(row);
                progress.Report(row);
            }
            SyntheticMetrics.Write(dir, rows);
            return new RunSummary(spec.Schedule.Iterations, from > 1 ? from - 1 : null, null, 0.5, null, path);
        }
    }

    [Fact]
    public void FinishedRunsAreSkippedUnfinishedResumedNewOnesStarted()
    {
        var cells = Cells();
        SyntheticMetrics.Write(Path.Combine(_dir, "pg-seq-is-fp16-fp16"), Enumerable.Range(1, 4).Select(s => SyntheticMetrics.Row(s, 0.6)));
        SyntheticMetrics.Write(Path.Combine(_dir, "grpo-fp16-fp16"), Enumerable.Range(1, 2).Select(s => SyntheticMetrics.Row(s, 0.6, "grpo")),
            trailingPartialLine: "{\"step\":3,\"accur");
        var trainer = new FakeTrainer();
        var runner = new ExperimentRunner(_dir, trainer.Run);

        var before = runner.Assess(cells);
        Assert.Equal([RunState.Finished, RunState.Unfinished], before.Select(a => a.State));
        var outcomes = runner.Run(cells);

        Assert.True(outcomes[0].Skipped);
        Assert.Equal([("grpo-fp16-fp16", 3)], trainer.Calls);
        Assert.All(runner.Assess(cells), a => Assert.Equal(RunState.Finished, a.State));
    }

    [Fact]
    public void StopAccuracyReachedCountsAsFinished()
    {
        var rows = new[] { SyntheticMetrics.Row(1, 0.5), SyntheticMetrics.Row(2, 0.97) };
        Assert.Equal(RunState.Finished, RunAssessment.StateOf(new ScheduleSpec { Iterations = 10, StopAtAccuracy = 0.95 }, rows));
        Assert.Equal(RunState.Unfinished, RunAssessment.StateOf(new ScheduleSpec { Iterations = 10 }, rows));
        Assert.Equal(RunState.NotStarted, RunAssessment.StateOf(new ScheduleSpec { Iterations = 10 }, []));
    }

    [Fact]
    public void AFailedRunIsRecordedAndTheGridGoesOn()
    {
        var trainer = new FakeTrainer { FailOn = "pg-seq-is-fp16-fp16" };
        var outcomes = new ExperimentRunner(_dir, trainer.Run).Run(Cells());
        Assert.Equal("loss became NaN at step 1", outcomes[0].Error);
        Assert.Contains("loss became NaN", File.ReadAllText(Path.Combine(_dir, "pg-seq-is-fp16-fp16", ExperimentRunner.ErrorFileName)));
        Assert.Equal([("grpo-fp16-fp16", 1)], trainer.Calls);

        // A later successful run clears the stale error.
        new ExperimentRunner(_dir, new FakeTrainer().Run).Run(Cells());
        Assert.False(File.Exists(Path.Combine(_dir, "pg-seq-is-fp16-fp16", ExperimentRunner.ErrorFileName)));
    }

    [Fact]
    public void MetricsReaderKeepsTheLaterRowOfARepeatedStepAndNotesBadLines()
    {
        string run = Path.Combine(_dir, "r");
        SyntheticMetrics.Write(run, [SyntheticMetrics.Row(1, 0.1), SyntheticMetrics.Row(2, 0.2), SyntheticMetrics.Row(2, 0.25), SyntheticMetrics.Row(3, 0.3)],
            trailingPartialLine: "{\"step\":4,");
        var read = MetricsFile.Read(Path.Combine(run, MetricsFile.FileName));
        Assert.Equal([1, 2, 3], read.Rows.Select(r => r.Step));
        Assert.Equal(0.25, read.Rows[1].Accuracy);
        Assert.Equal(0.02, read.Rows[1].SeqLogRatioByLength["≤64"], 12);
        Assert.Contains(":5: skipped a row that is not valid JSON", Assert.Single(read.Problems));
    }
}
