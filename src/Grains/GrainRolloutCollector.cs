using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Precision.Orleans.Abstractions;
using Precision.Orleans.Abstractions.Grains.Rl;
using Precision.Orleans.RL.Algorithms;
using Precision.Orleans.RL.Spec;
using Precision.Orleans.RL.Training;

namespace Precision.Orleans.Grains;

/// <summary>
/// Collecting on the cluster: each prompt group of the step goes to its <see cref="IPromptGroupGrain"/> (which leases
/// rollout workers and re-dispatches when one dies); the answers fill one slot per prompt index, so each group is
/// trained exactly once whatever retries happened underneath. Publishing hands the weights to the learner grain,
/// which serves them to the silos' weight caches and announces the version to the workers.
/// </summary>
internal sealed class GrainRolloutCollector(IGrainFactory grains, string runId, RunSpec spec, Func<PolicyLearner, Task> publish, ILogger logger)
    : IRolloutCollector
{
    private const int MaxGroupCalls = 10;

    private readonly LoraSettings? _lora = spec.Lora is { } l ? new LoraSettings(l.Rank, l.Alpha, [.. l.TargetModules], l.Rollout == "unmerged") : null;

    public async ValueTask PublishAsync(PolicyLearner learner, CancellationToken cancellationToken) => await publish(learner);

    public async Task<CollectedStep> CollectAsync(StepRollouts request, CancellationToken cancellationToken)
    {
        var sampling = request.Sampling;
        var clock = Stopwatch.StartNew();
        var scored = await Task.WhenAll(request.Prompts.Select(p => RunGroupAsync(new PromptGroupWork(runId, request.Step, p.Index, p.Problem.Prompt,
            p.Problem.Answer, p.Tokens, spec.Batch.GroupSize, spec.Data.Task ?? "", spec.Algorithm.NormalizeAdvantageStd, spec.Model,
            spec.Precision.Rollout.Name(), request.MinWeightVersion, request.MaxWeightVersion, sampling, _lora,
            spec.Algorithm.AdvantageEstimator == AdvantageEstimator.Grpo, spec.Parallel.ExpertWorkers), cancellationToken)));
        double seconds = clock.Elapsed.TotalSeconds;
        var groups = scored.Select(g => new GroupRollouts(g.PromptIndex, request.Prompts[g.PromptIndex].Problem,
            [.. g.Sequences.Select(q => WireSequences.FromWire(g.PromptTokens, q))], g.Rewards, g.Advantages) { WeightVersion = g.WeightVersion }).ToArray();
        return new CollectedStep(groups, seconds, [.. scored.Select(g => new GroupProvenance(g.PromptIndex, g.WorkerKey, g.Attempts, g.WeightVersion))]);
    }

    /// <summary>Calls the group's grain until it answers; a repeated call returns the kept result (or, if the group's own
    /// silo died, a re-activation samples the identical group again — nothing is trained until the answer arrives).</summary>
    private async Task<ScoredGroup> RunGroupAsync(PromptGroupWork work, CancellationToken stop)
    {
        var group = grains.GetGrain<IPromptGroupGrain>($"{work.RunId}/{work.Step}/{work.PromptIndex}");
        for (int attempt = 1; ; attempt++)
        {
            stop.ThrowIfCancellationRequested();
            try
            {
                var result = await group.Run(work);
                if (result.Step != work.Step || result.PromptIndex != work.PromptIndex || result.Sequences.Count != work.GroupSize)
                    throw new InvalidDataException($"prompt group {work.RunId}/{work.Step}/{work.PromptIndex} answered for {result.Step}/{result.PromptIndex} with {result.Sequences.Count} rollouts");
                return result;
            }
            catch (Exception e) when (attempt < MaxGroupCalls && e is not InvalidDataException && !stop.IsCancellationRequested)
            {
                GrainsLog.GroupRetry(logger, work.RunId, work.Step, work.PromptIndex, e.Message);
                await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(2000, 200 * attempt)), stop);
            }
        }
    }
}
