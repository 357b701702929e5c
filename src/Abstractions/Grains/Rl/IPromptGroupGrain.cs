namespace Precision.Orleans.Abstractions.Grains.Rl;

/// <summary>
/// One prompt group of one step (key = "{runId}/{step}/{promptIndex}"): asks a rollout worker for the G rollouts,
/// re-dispatching to another worker when the worker's silo dies mid-call, then scores them and computes the group's
/// advantages. The result is kept, so a repeated call (the learner retrying) returns the same group without
/// sampling it again.
/// </summary>
public interface IPromptGroupGrain : IGrainWithStringKey
{
    Task<ScoredGroup> Run(PromptGroupWork work);
}
