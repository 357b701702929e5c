using Precision.Orleans.Abstractions.Grains.Rl;
using Precision.Orleans.RL.Spec;
using Precision.Orleans.Runtime.Activation;
using Precision.Orleans.Runtime.Storage;

namespace Precision.Orleans.Grains;

/// <summary>
/// A run: validates and stores its spec, starts its learner, and answers status and metrics from storage (the
/// learner writes the progress document, so any silo's run activation sees the same history).
/// </summary>
public sealed class RunGrain(IGrainStorage storage, RlGrainOptions options, TimeProvider time) : Grain, IRunGrain
{
    private DurableState<RunDocument> _run = null!;
    private DurableState<ProgressDocument> _progress = null!;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _run = new DurableState<RunDocument>(storage, RunDocument.StateName, GrainKey, () => new RunDocument());
        _progress = new DurableState<ProgressDocument>(storage, ProgressDocument.StateName, GrainKey, () => new ProgressDocument());
        await _run.ReadAsync();
    }

    public async Task<RunStatus> Submit(string specYaml)
    {
        ArgumentNullException.ThrowIfNull(specYaml);
        // Throws RunSpecException naming the key and the problem; nothing is stored for a bad spec.
        RefuseUnsupported(ParseSpec(specYaml, GrainKey, options), GrainKey);
        await _run.ReadAsync();
        if (_run.Exists)
        {
            if (_run.Value.SpecYaml != specYaml)
                throw new InvalidOperationException($"run '{GrainKey}' already exists with a different spec; submit under another run id.");
            return await GetStatus();
        }
        await _run.WriteAsync(new RunDocument { RunId = GrainKey, SpecYaml = specYaml, SubmittedAt = time.GetUtcNow() });
        await GrainFactory.GetGrain<IRunRegistryGrain>(IRunRegistryGrain.Key).Register(GrainKey);
        await GrainFactory.GetGrain<ILearnerGrain>(GrainKey).Start();
        return await GetStatus();
    }

    public async Task<RunStatus> GetStatus()
    {
        await _run.ReadAsync();
        var progress = await _progress.ReadAsync();
        if (!_run.Exists) throw new KeyNotFoundException($"no run '{GrainKey}' was submitted");
        var spec = ParseSpec(_run.Value.SpecYaml, GrainKey, options);
        // Cancelled only once the learner has stopped (it finishes the step in flight first).
        var state = progress.State;
        return new RunStatus(GrainKey, spec.Name, state, progress.Step, spec.Schedule.Iterations, progress.WeightVersion, progress.WeightHash,
            progress.Records.Count == 0 ? double.NaN : progress.Records[^1].Accuracy, spec.Algorithm.Name,
            Abstractions.DTypeNames.Name(spec.Precision.Train), Abstractions.DTypeNames.Name(spec.Precision.Rollout),
            _run.Value.SubmittedAt, progress.UpdatedAt == default ? _run.Value.SubmittedAt : progress.UpdatedAt, progress.Error);
    }

    public async Task<IReadOnlyList<IterationRecord>> GetMetrics(int fromStep) =>
        [.. (await _progress.ReadAsync()).Records.Where(r => r.Step >= fromStep)];

    public async Task<IReadOnlyList<TrainedGroup>> GetTrainedGroups() => (await _progress.ReadAsync()).Trained;

    public async Task<IReadOnlyList<LearnerResume>> GetResumes() => (await _progress.ReadAsync()).Resumes;

    public async Task<string> GetSpec() => (await _run.ReadAsync()).SpecYaml;

    public async Task Cancel()
    {
        await _run.ReadAsync();
        if (!_run.Exists) throw new KeyNotFoundException($"no run '{GrainKey}' was submitted");
        if (!_run.Value.CancelRequested) await _run.WriteAsync(_run.Value with { CancelRequested = true });
        await GrainFactory.GetGrain<ILearnerGrain>(GrainKey).Stop();
    }

    /// <summary>Parses and validates a submitted spec; relative paths resolve against <see cref="RlGrainOptions.SpecBaseDirectory"/>.</summary>
    /// <summary>
    /// Specs the cluster cannot run faithfully yet are refused at submit: LoRA (the workers pull FP32 masters only; the
    /// adapters and the merged/unmerged rollout mode do not cross the wire) — run those with the embedded trainer.
    /// </summary>
    internal static void RefuseUnsupported(RunSpec spec, string runId)
    {
        if (spec.Lora is not null)
            throw new RunSpecException($"run spec of '{runId}'", "lora", "lora is not supported by the cluster yet; run LoRA specs with the embedded trainer (precision train)");
        // The prompt-group grains compute leave-one-out advantages; the estimator does not cross the wire yet.
        if (spec.Algorithm.AdvantageEstimator != Precision.Orleans.RL.Algorithms.AdvantageEstimator.Rloo)
            throw new RunSpecException($"run spec of '{runId}'", "advantage.estimator", "only rloo is supported by the cluster yet; run other estimators with the embedded trainer (precision train)");
    }

    internal static RunSpec ParseSpec(string yaml, string runId, RlGrainOptions options) =>
        RunSpecLoader.Parse(yaml, $"run spec of '{runId}'", options.SpecBaseDirectory);
}
