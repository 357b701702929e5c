using System.Diagnostics;
using Precision.Orleans.Abstractions;
using Precision.Orleans.Abstractions.Grains.Rl;
using Precision.Orleans.Engine.Model;
using Precision.Orleans.Engine.Rollout;
using Precision.Orleans.Runtime.Activation;
using Precision.Orleans.Runtime.Placement;
using RuntimeSilo = Precision.Orleans.Runtime.Hosting.Silo;

namespace Precision.Orleans.Grains;

/// <summary>
/// One rollout slot of its silo (key "{siloId}/{slot}"): a rollout engine for the run it serves, refreshed from the
/// run's learner whenever its weight version is outside the request's [min, max] window (the hash of the received FP32
/// master weights is checked before loading).
/// </summary>
[SiloKeyedPlacement]
public sealed class RolloutWorkerGrain(RuntimeSilo silo) : Grain, IRolloutWorkerGrain
{
    private RolloutEngine? _engine;
    private (string RunId, string Model, string DType) _serves;
    private string _weightHash = "";

    public Task Join() => GrainFactory.GetGrain<IWorkerPoolGrain>(IWorkerPoolGrain.Key).Register(GrainKey, silo.Address.SiloId);

    public async Task<RolloutBatch> Generate(RolloutRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Count <= 0) throw new ArgumentException($"rollout request: count must be positive, got {request.Count}");
        var serves = (request.RunId, request.Model, request.RolloutDType);
        if (_engine is null || _serves != serves)
        {
            var config = ModelConfig.FromJson(File.ReadAllText(Path.Combine(request.Model, "config.json")), Path.Combine(request.Model, "config.json"));
            _engine = new RolloutEngine(config, DTypeNames.Parse(request.RolloutDType));
            _serves = serves;
            _weightHash = "";
        }
        long held = _engine.WeightVersion;
        if (held < request.MinWeightVersion || held > request.MaxWeightVersion || _weightHash.Length == 0)
        {
            var snapshot = await GrainFactory.GetGrain<ILearnerGrain>(request.RunId).GetWeights(request.MinWeightVersion);
            string hash = WeightSync.WeightHash(snapshot.Master);
            if (hash != snapshot.Sha256)
                throw new InvalidDataException($"weights v{snapshot.Version} of run '{request.RunId}' arrived with hash {hash}, expected {snapshot.Sha256}");
            if (snapshot.Version < request.MinWeightVersion)
                throw new InvalidDataException($"learner of '{request.RunId}' sent weights v{snapshot.Version}, older than the requested v{request.MinWeightVersion}");
            _engine.LoadWeights(snapshot.Master, snapshot.Version);
            _weightHash = hash;
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
        // The engine is CPU-bound: run it off the silo's request thread.
        var engine = _engine;
        var sequences = await Task.Run(() => engine.Generate(Enumerable.Repeat(request.PromptTokens, request.Count).ToArray(), options));
        return new RolloutBatch(
            [.. sequences.Select(q => new GeneratedSequence(q.Tokens, q.LogProbs, q.Finish == FinishReason.Stop ? "stop" : "length"))],
            _engine.WeightVersion, _weightHash, GrainKey, silo.Address.SiloId, clock.Elapsed.TotalSeconds);
    }
}
