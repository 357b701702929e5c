using Microsoft.Extensions.Logging;
using Precision.Orleans.Abstractions.Grains.Rl;
using Precision.Orleans.RL.Algorithms;
using Precision.Orleans.RL.Tasks;
using Precision.Orleans.RL.Training;

namespace Precision.Orleans.Grains;

/// <summary>
/// One prompt group of one step (key "{runId}/{step}/{promptIndex}"). Leases a worker from the pool and asks it for
/// the G rollouts; when the call fails (the worker's silo died, or it refused), the lease is returned and the group is
/// re-dispatched to another worker. Only the one accepted batch is scored — the same group can never be counted twice,
/// and since sampling depends only on (step seed, sequence index) and the weight version, the re-dispatched group is
/// the group the dead worker would have produced. The activation goes once it has answered.
/// </summary>
public sealed class PromptGroupGrain(RlGrainOptions options, ILogger<PromptGroupGrain> logger, TimeProvider time) : Grain, IPromptGroupGrain
{
    private ScoredGroup? _result;

    public async Task<ScoredGroup> Run(PromptGroupWork work)
    {
        ArgumentNullException.ThrowIfNull(work);
        if (_result is not null && _result.WeightVersion >= work.MinWeightVersion && _result.WeightVersion <= work.MaxWeightVersion) return _result;
        string key = this.GetPrimaryKeyString();
        var pool = GrainFactory.GetGrain<IWorkerPoolGrain>(IWorkerPoolGrain.Key);
        var request = new RolloutRequest(work.RunId, work.Model, work.RolloutDType, work.PromptTokens, work.GroupSize,
            work.PromptIndex * work.GroupSize, work.MinWeightVersion, work.MaxWeightVersion, work.Sampling, work.Lora, work.ExpertWorkers);
        var tried = new List<string>();
        var waitDeadline = time.GetUtcNow() + options.WorkerWaitTimeout;
        int attempts = 0;
        while (true)
        {
            string worker = await pool.Acquire([.. tried]);
            if (worker.Length == 0)
            {
                if (time.GetUtcNow() > waitDeadline)
                    throw new InvalidOperationException($"prompt group {key}: no live rollout worker within {options.WorkerWaitTimeout.TotalSeconds:0} s");
                await Task.Delay(TimeSpan.FromMilliseconds(250));
                continue;
            }
            attempts++;
            RolloutBatch batch;
            try
            {
                batch = await GrainFactory.GetGrain<IRolloutWorkerGrain>(worker).Generate(request);
            }
            catch (Exception e) when (attempts < options.MaxDispatches)
            {
                GrainsLog.Redispatch(logger, key, worker, attempts, e.Message);
                await pool.Release(worker, completed: false);
                if (!tried.Contains(worker)) tried.Add(worker);
                continue;
            }
            await pool.Release(worker, completed: true);
            _result = Score(work, batch, attempts);
            // One activation per (step, prompt) would pile up over a run: go once answered. A repeated call (the
            // learner retrying) re-activates it and samples the identical group again — deterministic, never trained twice.
            this.DeactivateOnIdle();
            return _result;
        }
    }

    private static ScoredGroup Score(PromptGroupWork work, RolloutBatch batch, int attempts)
    {
        var sequences = batch.Sequences.Select(q => WireSequences.FromWire(work.PromptTokens, q)).ToArray();
        var problem = new Problem($"{work.Step}/{work.PromptIndex}", work.Prompt, work.Answer);
        var scored = GroupRollout.Score(work.PromptIndex, problem, sequences, RewardFunctions.For(work.RewardTask.Length == 0 ? null : work.RewardTask),
            Tokenizers.For(work.Model), work.NormalizeAdvantageStd,
            work.GroupMeanBaseline ? AdvantageEstimator.Grpo : AdvantageEstimator.Rloo);
        return new ScoredGroup(work.RunId, work.Step, work.PromptIndex, work.PromptTokens, batch.Sequences, scored.Rewards, scored.Advantages,
            batch.WeightVersion, batch.WeightHash, batch.WorkerKey, attempts, batch.Seconds);
    }
}
