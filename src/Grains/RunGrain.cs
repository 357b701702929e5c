using Precision.Orleans.Abstractions.Grains.Rl;
using Precision.Orleans.Grains.State;
using Precision.Orleans.RL.Spec;

namespace Precision.Orleans.Grains;

/// <summary>
/// A run: validates and stores its spec, starts its learner, and keeps what the learner reports (state, metrics rows,
/// the ledger of trained groups) in grain storage, so any silo's activation of the run sees the same history. Writes
/// come from one learner attempt at a time: a learner that lost the run to a newer attempt is told to stop.
/// </summary>
public sealed class RunGrain(
    [PersistentState("run", RlStorage.Name)] IPersistentState<RunRecord> run,
    RlGrainOptions options,
    TimeProvider time) : Grain, IRunGrain
{
    private string RunId => this.GetPrimaryKeyString();

    public async Task<RunStatus> Submit(string specYaml)
    {
        ArgumentNullException.ThrowIfNull(specYaml);
        // A bad spec is refused naming the key and the problem, and nothing is stored. The validator's exception type
        // is not an Orleans-serializable one: callers get its message as an ArgumentException.
        try
        {
            ParseSpec(specYaml, RunId, options);
        }
        catch (RunSpecException e)
        {
            throw new ArgumentException(e.Message);
        }
        if (run.RecordExists)
        {
            if (run.State.SpecYaml != specYaml)
                throw new InvalidOperationException($"run '{RunId}' already exists with a different spec; submit under another run id.");
            return Status();
        }
        run.State = new RunRecord { SpecYaml = specYaml, SubmittedAt = time.GetUtcNow() };
        await run.WriteStateAsync();
        await GrainFactory.GetGrain<IRunRegistryGrain>(IRunRegistryGrain.Key).Register(RunId);
        await GrainFactory.GetGrain<ILearnerGrain>(RunId).Start();
        return Status();
    }

    public Task<RunStatus> GetStatus() => Task.FromResult(Status());

    public Task<IReadOnlyList<IterationRecord>> GetMetrics(int fromStep) =>
        Task.FromResult<IReadOnlyList<IterationRecord>>([.. run.State.Records.Where(r => r.Step >= fromStep)]);

    public Task<IReadOnlyList<TrainedGroup>> GetTrainedGroups() => Task.FromResult<IReadOnlyList<TrainedGroup>>([.. run.State.Trained]);

    public Task<IReadOnlyList<LearnerResume>> GetResumes() => Task.FromResult<IReadOnlyList<LearnerResume>>([.. run.State.Resumes]);

    public Task<string> GetSpec() => Task.FromResult(run.State.SpecYaml);

    public Task<bool> IsCancelRequested() => Task.FromResult(run.State.CancelRequested);

    public async Task Cancel()
    {
        RequireSubmitted();
        if (!run.State.CancelRequested)
        {
            run.State.CancelRequested = true;
            await run.WriteStateAsync();
        }
        await GrainFactory.GetGrain<ILearnerGrain>(RunId).Stop();
    }

    public async Task<int> BeginAttempt(int checkpointStep, long weightVersion, string weightHash)
    {
        RequireSubmitted();
        var r = run.State;
        bool restarted = r.Attempt > 0;
        if (restarted) r.Resumes.Add(new LearnerResume(checkpointStep, r.Step, time.GetUtcNow()));
        r.Attempt++;
        r.State = RunState.Running;
        r.Step = checkpointStep;
        r.CheckpointStep = checkpointStep;
        r.WeightVersion = weightVersion;
        r.WeightHash = weightHash;
        r.Records.RemoveAll(x => x.Step > checkpointStep);
        r.Trained.RemoveAll(x => x.Step > checkpointStep);
        r.UpdatedAt = time.GetUtcNow();
        await run.WriteStateAsync();
        return r.Attempt;
    }

    public async Task<bool> RecordStep(int attempt, IterationRecord record, TrainedGroup[] trained)
    {
        ArgumentNullException.ThrowIfNull(record);
        ArgumentNullException.ThrowIfNull(trained);
        if (attempt != run.State.Attempt) return false;
        var r = run.State;
        // Idempotent: a repeated call (its first answer was lost while the cluster re-formed) records nothing twice.
        if (r.Records.Any(x => x.Step == record.Step)) return true;
        r.Step = record.Step;
        r.WeightVersion = record.WeightVersion;
        r.WeightHash = record.WeightHash;
        r.Records.Add(record);
        r.Trained.AddRange(trained);
        r.UpdatedAt = time.GetUtcNow();
        await run.WriteStateAsync();
        return true;
    }

    public async Task RecordCheckpoint(int attempt, int step)
    {
        if (attempt != run.State.Attempt) return;
        run.State.CheckpointStep = step;
        await run.WriteStateAsync();
    }

    public async Task Finish(int attempt, RunState state, string? error)
    {
        if (attempt != run.State.Attempt) return;
        run.State.State = state;
        run.State.Error = error;
        run.State.UpdatedAt = time.GetUtcNow();
        await run.WriteStateAsync();
    }

    private void RequireSubmitted()
    {
        if (!run.RecordExists) throw new KeyNotFoundException($"no run '{RunId}' was submitted");
    }

    private RunStatus Status()
    {
        RequireSubmitted();
        var r = run.State;
        var spec = ParseSpec(r.SpecYaml, RunId, options);
        return new RunStatus(RunId, spec.Name, r.State, r.Step, spec.Schedule.Iterations, r.WeightVersion, r.WeightHash,
            r.Records.Count == 0 ? double.NaN : r.Records[^1].Accuracy, spec.Algorithm.Name,
            Abstractions.DTypeNames.Name(spec.Precision.Train), Abstractions.DTypeNames.Name(spec.Precision.Rollout),
            r.SubmittedAt, r.UpdatedAt == default ? r.SubmittedAt : r.UpdatedAt, r.Error);
    }

    /// <summary>Parses and validates a submitted spec; relative paths resolve against <see cref="RlGrainOptions.SpecBaseDirectory"/>.</summary>
    internal static RunSpec ParseSpec(string yaml, string runId, RlGrainOptions options) =>
        RunSpecLoader.Parse(yaml, $"run spec of '{runId}'", options.SpecBaseDirectory);
}
