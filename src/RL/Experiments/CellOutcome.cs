using Precision.Orleans.RL.Training;

namespace Precision.Orleans.RL.Experiments;

/// <summary>What happened to one cell in this invocation: skipped (already finished), ran to a summary, or failed.</summary>
public sealed record CellOutcome(ExperimentCell Cell, RunState StateBefore, RunSummary? Summary, string? Error)
{
    public bool Skipped => StateBefore == RunState.Finished;
}
