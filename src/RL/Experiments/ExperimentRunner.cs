using Precision.Orleans.Engine.Checkpoints;
using Precision.Orleans.RL.Spec;
using Precision.Orleans.RL.Training;

namespace Precision.Orleans.RL.Experiments;

/// <summary>
/// Runs the cells of a grid one after another, each into <c>OUT/&lt;name&gt;/</c>: a finished run is skipped,
/// an unfinished one is handed to the trainer again (which resumes from its newest checkpoint), a new one starts.
/// The trainer writes the cell's spec into its directory (<c>spec.yaml</c>), so a run can be repeated alone with <c>precision train</c>.
/// </summary>
public sealed class ExperimentRunner
{
    /// <summary>Runs (or resumes) one spec into its directory; the default is the embedded <see cref="RlTrainer"/>.</summary>
    public delegate RunSummary CellRun(RunSpec spec, string runDirectory, IProgress<IterationMetrics> progress, CancellationToken cancellationToken);

    /// <summary>Written into a run directory when its run threw; the report shows it.</summary>
    public const string ErrorFileName = "error.txt";

    private readonly CellRun _run;

    public ExperimentRunner(string outputDirectory, CellRun? run = null)
    {
        OutputDirectory = outputDirectory;
        _run = run ?? ((spec, dir, progress, ct) => new RlTrainer(spec, dir).Run(progress, ct));
    }

    public string OutputDirectory { get; }

    public string RunDirectory(ExperimentCell cell) => Path.Combine(OutputDirectory, cell.Name);

    public IReadOnlyList<RunAssessment> Assess(IReadOnlyList<ExperimentCell> cells) =>
        cells.Select(c => RunAssessment.Of(c, RunDirectory(c))).ToList();

    public IReadOnlyList<CellOutcome> Run(IReadOnlyList<ExperimentCell> cells, IExperimentObserver? observer = null, CancellationToken cancellationToken = default)
    {
        Directory.CreateDirectory(OutputDirectory);
        var plan = Assess(cells);
        observer?.Planned(plan);
        var outcomes = new List<CellOutcome>();
        foreach (var run in plan)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (run.State == RunState.Finished)
            {
                observer?.Skipped(run);
                outcomes.Add(new CellOutcome(run.Cell, run.State, null, null));
                continue;
            }
            Directory.CreateDirectory(run.Directory);
            File.Delete(Path.Combine(run.Directory, ErrorFileName));
            observer?.Starting(run);
            try
            {
                var progress = new SynchronousProgress(m => observer?.Iteration(run.Cell, m));
                var summary = _run(run.Cell.Spec, run.Directory, progress, cancellationToken);
                // The trainer stops at an iteration boundary when cancelled and returns; the grid stops with it.
                cancellationToken.ThrowIfCancellationRequested();
                observer?.Completed(run.Cell, summary);
                outcomes.Add(new CellOutcome(run.Cell, run.State, summary, null));
            }
            catch (OperationCanceledException)
            {
                throw;
            }
            catch (Exception e)
            {
                // One run's failure (a NaN it cannot recover from, a bad checkpoint) is a result of the grid, not its end.
                observer?.Failed(run.Cell, e);
                AtomicFile.WriteAllText(Path.Combine(run.Directory, ErrorFileName), e.ToString());
                outcomes.Add(new CellOutcome(run.Cell, run.State, null, e.Message));
            }
        }
        return outcomes;
    }

    /// <summary>Reports on the trainer's thread (Progress&lt;T&gt; would post to the thread pool and reorder rows).</summary>
    private sealed class SynchronousProgress(Action<IterationMetrics> report) : IProgress<IterationMetrics>
    {
        public void Report(IterationMetrics value) => report(value);
    }
}
