using Precision.Orleans.Abstractions;
using Precision.Orleans.Abstractions.Grains;
using Precision.Orleans.Abstractions.Grains.Rl;
using Precision.Orleans.RL.Spec;
using Precision.Orleans.Runtime.Activation;

namespace Precision.Orleans.Client.Tests.Fakes;

/// <summary>
/// An <see cref="IRunGrain"/> for testing the HTTP API and the console apart from the RL work: it validates the spec
/// with the real loader and validator (so refusals carry the real reasons), stores it in a <see cref="RunBook"/> and
/// registers it; trained steps are whatever the test appends to the book.
/// </summary>
public sealed class BookRunGrain(RunBook book, IGrainFactory grains) : Grain, IRunGrain
{
    public async Task<RunStatus> Submit(string specYaml)
    {
        var spec = RunSpecLoader.Parse(specYaml, $"run spec of {GrainKey}", Path.GetTempPath());
        var now = DateTimeOffset.UtcNow;
        var status = book.Runs.GetOrAdd(GrainKey, id => new RunStatus(
            id, spec.Name, RunState.Submitted, 0, spec.Schedule.Iterations, 0, "", double.NaN, spec.Algorithm.Name,
            spec.Precision.Train.Name(), spec.Precision.Rollout.Name(), now, now, null));
        await grains.GetGrain<IRunRegistryGrain>(IRunRegistryGrain.Key).Register(GrainKey);
        return status;
    }

    public Task<RunStatus> GetStatus() => Task.FromResult(book.Runs[GrainKey]);

    public Task<IReadOnlyList<IterationRecord>> GetMetrics(int fromStep)
    {
        lock (book.Metrics)
        {
            return Task.FromResult<IReadOnlyList<IterationRecord>>(
                [.. book.Metrics.GetValueOrDefault(GrainKey, []).Where(r => r.Step >= fromStep)]);
        }
    }

    public Task<IReadOnlyList<TrainedGroup>> GetTrainedGroups() => Task.FromResult<IReadOnlyList<TrainedGroup>>([]);

    public Task<IReadOnlyList<LearnerResume>> GetResumes() => Task.FromResult<IReadOnlyList<LearnerResume>>([]);

    public Task<string> GetSpec() => Task.FromResult("");

    public Task Cancel()
    {
        book.Runs[GrainKey] = book.Runs[GrainKey] with { State = RunState.Cancelled, UpdatedAt = DateTimeOffset.UtcNow };
        return Task.CompletedTask;
    }
}
