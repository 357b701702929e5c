using System.Diagnostics;
using System.Runtime.InteropServices;
using Precision.Orleans.Abstractions;
using Precision.Orleans.Abstractions.Grains.Rl;
using Precision.Orleans.Engine.Lora;
using Precision.Orleans.Grains.Distributed;
using Precision.Orleans.Engine.Model;
using Precision.Orleans.Engine.Rollout;
using Precision.Orleans.Grains.Placement;

namespace Precision.Orleans.Grains;

/// <summary>
/// One rollout slot of its silo (key "{siloName}/{slot}"): a rollout engine for the run it serves, loaded from the
/// silo's <see cref="IWeightCacheGrain"/> whenever its weight version is outside the request's [min, max] window —
/// FP32 masters, plus the adapters for LoRA runs (merged or unmerged as the spec says).
/// </summary>
/// <remarks>
/// Reentrant so that the prompt groups of a step reach the worker while it samples: requests queue here, and each
/// round decodes every queued request that shares the head request's run, weight window and sampling settings as one
/// batch (the embedded trainer's one batch of B·G), then answers each group with its own sequences. Each sequence
/// keeps its step stream index, so a group's samples do not depend on what it was batched with; each group's call
/// still fails on its own when the silo dies, which is what the prompt group's re-dispatch relies on.
/// </remarks>
[SiloNamedPlacement, Reentrant]
public sealed class RolloutWorkerGrain(ILocalSiloDetails silo, RlGrainOptions grainOptions) : Grain, IRolloutWorkerGrain
{
    private readonly List<PendingRollout> _queue = [];
    private bool _draining;
    private RolloutEngine? _engine;
    private ModelConfig? _config;
    private (string RunId, string Model, string DType, LoraSettings? Lora) _serves;
    private string _weightHash = "";
    private ExpertWorkerGroup? _experts; // parallel.expert_workers > 1: the engine's MoE experts run on these grains

    public Task Join() => GrainFactory.GetGrain<IWorkerPoolGrain>(IWorkerPoolGrain.Key).Register(this.GetPrimaryKeyString(), silo.Name);

    public Task Announce(string runId, long version)
    {
        // Warm the silo's cache ahead of the next request; the request's window still decides what is loaded.
        if (_serves.RunId == runId && (_engine?.WeightVersion ?? -1) < version)
            _ = GrainFactory.GetGrain<IWeightCacheGrain>(runId).Get(runId, version, long.MaxValue);
        return Task.CompletedTask;
    }

    public Task<RolloutBatch> Generate(RolloutRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Count <= 0) throw new ArgumentException($"rollout request: count must be positive, got {request.Count}");
        var pending = new PendingRollout(request);
        _queue.Add(pending);
        if (!_draining)
        {
            _draining = true;
            _ = DrainAsync();
        }
        return pending.Answer.Task;
    }

    /// <summary>Samples rounds of coalesced requests until the queue is empty; one round's failure fails only its requests.</summary>
    private async Task DrainAsync()
    {
        try
        {
            if (grainOptions.RolloutCoalesceWindow > TimeSpan.Zero) await Task.Delay(grainOptions.RolloutCoalesceWindow);
            while (_queue.Count > 0)
            {
                var head = _queue[0].Request;
                var round = _queue.Where(p => Coalescible(head, p.Request)).ToList();
                _queue.RemoveAll(round.Contains);
                try
                {
                    var batches = await SampleAsync(round.Select(p => p.Request).ToList());
                    for (int i = 0; i < round.Count; i++) round[i].Answer.TrySetResult(batches[i]);
                }
                catch (Exception e)
                {
                    foreach (var p in round) p.Answer.TrySetException(e);
                }
            }
        }
        finally
        {
            _draining = false;
        }
    }

    /// <summary>Requests that can share one engine call: same run, model, dtype, adapters, weight window and sampling.</summary>
    private static bool Coalescible(RolloutRequest a, RolloutRequest b) =>
        a.RunId == b.RunId && a.Model == b.Model && a.RolloutDType == b.RolloutDType && SameAdapters(a.Lora, b.Lora)
        && a.ExpertWorkers == b.ExpertWorkers && a.MinWeightVersion == b.MinWeightVersion && a.MaxWeightVersion == b.MaxWeightVersion
        && SameSampling(a.Sampling, b.Sampling);

    /// <summary>Same draws apart from where each prompt's streams start (the coalesced call sets every prompt's own).</summary>
    private static bool SameSampling(SamplingOptions a, SamplingOptions b) =>
        a.Temperature.Equals(b.Temperature) && a.TopP.Equals(b.TopP) && a.TopK == b.TopK && a.MaxNewTokens == b.MaxNewTokens
        && a.Seed == b.Seed && a.StopTokens.AsSpan().SequenceEqual(b.StopTokens);

    private static bool SameAdapters(LoraSettings? a, LoraSettings? b) =>
        a is null ? b is null
        : b is not null && a.Rank == b.Rank && a.Alpha.Equals(b.Alpha) && a.Unmerged == b.Unmerged && a.TargetModules.AsSpan().SequenceEqual(b.TargetModules);

    /// <summary>One engine call for coalescible requests; answers one batch per request, in order.</summary>
    private async Task<RolloutBatch[]> SampleAsync(List<RolloutRequest> requests)
    {
        var request = requests[0];
        var serves = (request.RunId, request.Model, request.RolloutDType, request.Lora);
        if (_engine is null || _config is null || !SameRun(serves) || (_experts?.Partition.Owners ?? 1) != request.ExpertWorkers)
        {
            string path = Path.Combine(request.Model, "config.json");
            _config = ModelConfig.FromJson(File.ReadAllText(path), path);
            _engine = new RolloutEngine(_config, DTypeNames.Parse(request.RolloutDType));
            _serves = serves;
            _weightHash = "";
            // One group per worker and run: the worker samples at one version at a time (rounds are sequential), so
            // its owners are reloaded in step with it and never asked for rows at a version they do not hold.
            _experts = request.ExpertWorkers > 1
                ? new ExpertWorkerGroup(GrainFactory, ExpertGroups.Rollout(request.RunId, this.GetPrimaryKeyString()), _config, _engine.DType, request.ExpertWorkers)
                : null;
            _engine.ExpertExecutor = _experts;
        }
        long held = _engine.WeightVersion;
        if (held < request.MinWeightVersion || held > request.MaxWeightVersion || _weightHash.Length == 0)
        {
            var payload = await GrainFactory.GetGrain<IWeightCacheGrain>(request.RunId).Get(request.RunId, request.MinWeightVersion, request.MaxWeightVersion);
            if (payload.Manifest.Version < request.MinWeightVersion)
                throw new InvalidDataException($"learner of '{request.RunId}' sent weights v{payload.Manifest.Version}, older than the requested v{request.MinWeightVersion}");
            _weightHash = "";
            string hash = Load(_engine, _config, payload, request.Lora, request.Model).ContentHash;
            if (_experts is not null)
                await _experts.LoadAsync(MemoryMarshal.Cast<byte, float>(payload.Bytes.AsSpan(0, (int)payload.Manifest.MasterBytes)).ToArray(), _engine.WeightVersion);
            _weightHash = hash; // set last: a failed expert load makes the next round load again
        }
        var prompts = requests.SelectMany(r => Enumerable.Repeat(r.PromptTokens, r.Count)).ToArray();
        var options = request.Sampling with
        {
            SequenceStreams = [.. requests.SelectMany(r => Enumerable.Range(0, r.Count).Select(i => (long)r.FirstSequenceIndex + i))],
        };
        var clock = Stopwatch.StartNew();
        // The engine is CPU-bound: run it off the silo's scheduler (calls arriving meanwhile queue for the next round).
        var engine = _engine;
        IReadOnlyList<RolloutSequence> sequences;
        try
        {
            sequences = await Task.Run(() => engine.Generate(prompts, options));
        }
        catch (Exception e) when (_experts is not null && ShardedStepFailure.IsRecoverable(e))
        {
            // An expert worker's silo died and the grain came back empty (or is unreachable): the next round loads the
            // weights, and with them every owner's experts, again instead of failing at the same owner forever.
            _weightHash = "";
            throw;
        }
        double seconds = clock.Elapsed.TotalSeconds;
        var answers = new RolloutBatch[requests.Count];
        for (int r = 0, first = 0; r < requests.Count; first += requests[r].Count, r++)
            answers[r] = new RolloutBatch([.. sequences.Skip(first).Take(requests[r].Count).Select(WireSequences.ToWire)], engine.WeightVersion, _weightHash,
                this.GetPrimaryKeyString(), silo.Name, seconds);
        return answers;
    }

    private sealed class PendingRollout(RolloutRequest request)
    {
        public RolloutRequest Request { get; } = request;
        public TaskCompletionSource<RolloutBatch> Answer { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    private bool SameRun((string RunId, string Model, string DType, LoraSettings? Lora) serves) =>
        _serves.RunId == serves.RunId && _serves.Model == serves.Model && _serves.DType == serves.DType
        && (_serves.Lora is null) == (serves.Lora is null);

    /// <summary>Loads a payload (FP32 master bytes, then adapter bytes for LoRA) exactly as the embedded trainer's weight sync does.</summary>
    private static WeightVersion Load(RolloutEngine engine, ModelConfig config, WeightPayload payload, LoraSettings? lora, string model)
    {
        var m = payload.Manifest;
        var master = MemoryMarshal.Cast<byte, float>(payload.Bytes.AsSpan(0, (int)m.MasterBytes)).ToArray();
        if (m.AdapterBytes == 0)
        {
            if (lora is not null) throw new InvalidDataException($"weights v{m.Version}: a LoRA run's payload carries no adapters");
            return WeightSync.Publish(master, m.Version, engine);
        }
        if (lora is null) throw new InvalidDataException($"weights v{m.Version} carry adapters, but the request names no LoRA settings");
        var loraConfig = new LoraConfig
        {
            Rank = lora.Rank,
            Alpha = (float)lora.Alpha,
            TargetModules = [.. lora.TargetModules],
            BaseModelNameOrPath = model,
        }.Validate();
        var adapters = MemoryMarshal.Cast<byte, float>(payload.Bytes.AsSpan((int)m.MasterBytes, (int)m.AdapterBytes)).ToArray();
        return WeightSync.Publish(master, new LoraLayout(new ParameterLayout(config), loraConfig), adapters,
            lora.Unmerged ? LoraRolloutMode.Unmerged : LoraRolloutMode.Merged, m.Version, engine);
    }
}
