using System.Diagnostics;
using System.Runtime.InteropServices;
using Precision.Orleans.Abstractions;
using Precision.Orleans.Abstractions.Grains.Rl;
using Precision.Orleans.Engine.Lora;
using Precision.Orleans.Engine.Model;
using Precision.Orleans.Engine.Rollout;
using Precision.Orleans.Grains.Placement;

namespace Precision.Orleans.Grains;

/// <summary>
/// One rollout slot of its silo (key "{siloName}/{slot}"): a rollout engine for the run it serves, loaded from the
/// silo's <see cref="IWeightCacheGrain"/> whenever its weight version is outside the request's [min, max] window —
/// FP32 masters, plus the adapters for LoRA runs (merged or unmerged as the spec says).
/// </summary>
[SiloNamedPlacement]
public sealed class RolloutWorkerGrain(ILocalSiloDetails silo) : Grain, IRolloutWorkerGrain
{
    private RolloutEngine? _engine;
    private ModelConfig? _config;
    private (string RunId, string Model, string DType, LoraSettings? Lora) _serves;
    private string _weightHash = "";

    public Task Join() => GrainFactory.GetGrain<IWorkerPoolGrain>(IWorkerPoolGrain.Key).Register(this.GetPrimaryKeyString(), silo.Name);

    public Task Announce(string runId, long version)
    {
        // Warm the silo's cache ahead of the next request; the request's window still decides what is loaded.
        if (_serves.RunId == runId && (_engine?.WeightVersion ?? -1) < version)
            _ = GrainFactory.GetGrain<IWeightCacheGrain>(runId).Get(runId, version, long.MaxValue);
        return Task.CompletedTask;
    }

    public async Task<RolloutBatch> Generate(RolloutRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Count <= 0) throw new ArgumentException($"rollout request: count must be positive, got {request.Count}");
        var serves = (request.RunId, request.Model, request.RolloutDType, request.Lora);
        if (_engine is null || _config is null || !SameRun(serves))
        {
            string path = Path.Combine(request.Model, "config.json");
            _config = ModelConfig.FromJson(File.ReadAllText(path), path);
            _engine = new RolloutEngine(_config, DTypeNames.Parse(request.RolloutDType));
            _serves = serves;
            _weightHash = "";
        }
        long held = _engine.WeightVersion;
        if (held < request.MinWeightVersion || held > request.MaxWeightVersion || _weightHash.Length == 0)
        {
            var payload = await GrainFactory.GetGrain<IWeightCacheGrain>(request.RunId).Get(request.RunId, request.MinWeightVersion, request.MaxWeightVersion);
            if (payload.Manifest.Version < request.MinWeightVersion)
                throw new InvalidDataException($"learner of '{request.RunId}' sent weights v{payload.Manifest.Version}, older than the requested v{request.MinWeightVersion}");
            _weightHash = Load(_engine, _config, payload, request.Lora, request.Model).ContentHash;
        }
        var s = request.Sampling;
        var options = new SamplingOptions
        {
            Temperature = s.Temperature,
            TopP = s.TopP,
            TopK = s.TopK,
            MaxNewTokens = s.MaxNewTokens,
            StopTokens = s.StopTokens,
            Seed = s.Seed,
            FirstSequenceIndex = request.FirstSequenceIndex,
        };
        var clock = Stopwatch.StartNew();
        // The engine is CPU-bound: run it off the silo's scheduler.
        var engine = _engine;
        var sequences = await Task.Run(() => engine.Generate(Enumerable.Repeat(request.PromptTokens, request.Count).ToArray(), options));
        return new RolloutBatch([.. sequences.Select(WireSequences.ToWire)], engine.WeightVersion, _weightHash, this.GetPrimaryKeyString(), silo.Name,
            clock.Elapsed.TotalSeconds);
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
