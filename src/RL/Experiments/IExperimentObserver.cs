using Precision.Orleans.RL.Training;

namespace Precision.Orleans.RL.Experiments;

/// <summary>What the console (or a test) hears while a grid runs.</summary>
public interface IExperimentObserver
{
    /// <summary>Before any run: every selected cell and what its directory already holds.</summary>
    void Planned(IReadOnlyList<RunAssessment> runs);

    /// <summary>A cell whose run is finished and is skipped.</summary>
    void Skipped(RunAssessment run);

    /// <summary>A cell starts (or resumes, when its state is <see cref="RunState.Unfinished"/>).</summary>
    void Starting(RunAssessment run);

    void Iteration(ExperimentCell cell, IterationMetrics metrics);

    void Completed(ExperimentCell cell, RunSummary summary);

    /// <summary>The run threw; the grid goes on with the next cell and the report shows this run as failed.</summary>
    void Failed(ExperimentCell cell, Exception error);
}
