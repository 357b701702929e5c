using System.Globalization;
using System.Text.RegularExpressions;
using Precision.Orleans.Abstractions;
using Precision.Orleans.Engine.Checkpoints;
using Precision.Orleans.Engine.Distributed;
using Precision.Orleans.Engine.Lora;
using Precision.Orleans.Engine.Model;
using Precision.Orleans.Engine.Text;
using Precision.Orleans.Engine.Training;

namespace Precision.Orleans.RL.Checkpoints;

/// <summary>
/// The <c>checkpoints/</c> directory of a run: <c>step-000010/</c> directories, each written under a
/// <c>.tmp-…</c> name and moved into place only when complete (model + tokenizer, <c>optimizer.safetensors</c>,
/// <c>trainer_state.json</c>, <c>manifest.json</c> with every file's SHA-256). A LoRA run's checkpoint holds the adapters
/// in the PEFT layout (<c>adapter_config.json</c> + <c>adapter_model.safetensors</c>) instead of the model: the frozen base
/// is the run's initial model, identified by the SHA-256 of its weights in the adapter file's metadata. A sharded run
/// on the cluster writes the same directory with the parameter shards' slices in place of the model (or adapter) and
/// optimizer files (<see cref="SaveShardedAsync"/>); <see cref="Load"/> reads either into the same checkpoint.
/// </summary>
public sealed partial class CheckpointStore(string runDirectory)
{
    public const string OptimizerFileName = "optimizer.safetensors";
    public const string StateFileName = "trainer_state.json";

    /// <summary>Adapter-file metadata key: SHA-256 of the FP32 base weights the adapters were trained on.</summary>
    public const string BaseWeightsKey = "precision.base_weights_sha256";

    public string Directory { get; } = Path.Combine(runDirectory, "checkpoints");

    public static string DirectoryName(int step) => $"step-{step.ToString("D6", CultureInfo.InvariantCulture)}";

    [GeneratedRegex(@"^step-(\d{6,})$")]
    private static partial Regex StepName();

    /// <summary>Completed checkpoints (by name; not yet verified), oldest first.</summary>
    public IReadOnlyList<(int Step, string Path)> List()
    {
        if (!System.IO.Directory.Exists(Directory)) return [];
        return System.IO.Directory.GetDirectories(Directory)
            .Select(d => (Match: StepName().Match(Path.GetFileName(d)), Path: d))
            .Where(x => x.Match.Success)
            .Select(x => (int.Parse(x.Match.Groups[1].Value, CultureInfo.InvariantCulture), x.Path))
            .OrderBy(x => x.Item1)
            .ToList();
    }

    /// <summary>Resolves "step-000010", "10" or a path to a checkpoint directory of this run.</summary>
    public string Resolve(string reference)
    {
        if (System.IO.Directory.Exists(reference)) return Path.GetFullPath(reference);
        string name = int.TryParse(reference, NumberStyles.None, CultureInfo.InvariantCulture, out int step) ? DirectoryName(step) : reference;
        string path = Path.Combine(Directory, name);
        return System.IO.Directory.Exists(path) ? path
            : throw new FileNotFoundException($"no checkpoint '{reference}' in '{Directory}'; present: {string.Join(", ", List().Select(c => Path.GetFileName(c.Path)).DefaultIfEmpty("none"))}", path);
    }

    /// <param name="baseWeightsSha256">With LoRA: <see cref="Engine.Rollout.WeightSync.WeightHash(ReadOnlySpan{float})"/> of the frozen base (checked on load).</param>
    public void Save(TrainingEngine engine, ITokenizer tokenizer, TrainerState state, int keep, string? baseWeightsSha256 = null)
    {
        var (final, staging) = Stage(state.Step);
        try
        {
            var metadata = new Dictionary<string, string>
            {
                ["precision.trained_by"] = "precision train",
                ["precision.step"] = state.Step.ToString(CultureInfo.InvariantCulture),
                ["precision.weight_version"] = state.WeightVersion.ToString(CultureInfo.InvariantCulture),
            };
            if (engine.Adapters is { } adapters)
            {
                if (baseWeightsSha256 is not null) metadata[BaseWeightsKey] = baseWeightsSha256;
                LoraAdapterFile.Save(staging, adapters.Layout.Config, adapters.Layout, adapters.Weights, metadata);
            }
            else
            {
                ModelCheckpoint.Save(staging, engine.Config, engine.Layout, engine.MasterWeights, metadata);
            }
            tokenizer.Save(staging);
            WriteOptimizer(Path.Combine(staging, OptimizerFileName), engine.Optimizer);
            AtomicFile.WriteAllText(Path.Combine(staging, StateFileName), state.ToJson());
            CheckpointManifest.Write(staging);
            SetAside(final);
            System.IO.Directory.Move(staging, final);
        }
        finally
        {
            if (System.IO.Directory.Exists(staging)) System.IO.Directory.Delete(staging, recursive: true);
        }
        // Only now that the new one is complete may old ones go.
        Prune(keep);
    }

    /// <summary>
    /// Saves a sharded run's step-N checkpoint: <paramref name="writeSlices"/> has every parameter shard write its slice
    /// (FP32 master, AdamW moments, step count; LoRA: the adapters' and theirs) into the staging directory, in parallel,
    /// and returns the manifest that ties them together; the learner then writes only what it owns — the model's
    /// <c>config.json</c> (LoRA: <c>adapter_config.json</c>), the tokenizer and <c>trainer_state.json</c> — then
    /// <see cref="ShardCheckpoint.ManifestFileName"/> and, last, <c>manifest.json</c> with every file's SHA-256 (the
    /// slices' as their shards computed them), and moves the directory into place. No full weight or optimizer file is
    /// written, and the learner never holds the moments.
    /// </summary>
    public async Task SaveShardedAsync(TrainingEngine engine, ITokenizer tokenizer, TrainerState state, int keep,
        Func<string, Task<ShardCheckpointManifest>> writeSlices, string? baseWeightsSha256 = null)
    {
        ArgumentNullException.ThrowIfNull(engine);
        ArgumentNullException.ThrowIfNull(writeSlices);
        var (final, staging) = Stage(state.Step);
        try
        {
            System.IO.Directory.CreateDirectory(staging);
            var manifest = await writeSlices(staging);
            long trained = engine.TrainedWeights.Length;
            if (manifest.Shards.Sum(e => e.Count) != trained)
                throw new InvalidOperationException($"step {state.Step}: the shards wrote slices of {manifest.Shards.Sum(e => e.Count)} values, the run trains {trained}");
            if (engine.Adapters is { } adapters)
            {
                AtomicFile.WriteAllText(Path.Combine(staging, LoraAdapterFile.ConfigFileName), adapters.Layout.Config.ToJson() + "\n");
                manifest = manifest with { BaseWeightsSha256 = baseWeightsSha256 };
            }
            else
            {
                AtomicFile.WriteAllText(Path.Combine(staging, ModelCheckpoint.ConfigFileName), HfConfigWriter.ToJson(engine.Config, DType.Fp32) + "\n");
            }
            tokenizer.Save(staging);
            AtomicFile.WriteAllText(Path.Combine(staging, StateFileName), state.ToJson());
            ShardCheckpoint.WriteManifest(staging, manifest);
            CheckpointManifest.Write(staging, manifest.Shards.ToDictionary(e => e.File, e => e.Sha256));
            SetAside(final);
            System.IO.Directory.Move(staging, final);
        }
        finally
        {
            if (System.IO.Directory.Exists(staging)) System.IO.Directory.Delete(staging, recursive: true);
        }
        Prune(keep);
    }

    /// <summary>The final and the staging path of step <paramref name="step"/>'s checkpoint, after removing stale staging directories.</summary>
    private (string Final, string Staging) Stage(int step)
    {
        System.IO.Directory.CreateDirectory(Directory);
        // Staging directories of saves that a killed process never finished: never a checkpoint, safe to remove.
        foreach (string stale in System.IO.Directory.GetDirectories(Directory, ".tmp-*")) System.IO.Directory.Delete(stale, recursive: true);
        return (Path.Combine(Directory, DirectoryName(step)), Path.Combine(Directory, $".tmp-{DirectoryName(step)}-{Guid.NewGuid():N}"));
    }

    /// <summary>Keeps the newest <paramref name="keep"/> checkpoints (only ever after a new one is complete).</summary>
    private void Prune(int keep)
    {
        var all = List();
        foreach (var (_, path) in all.Take(Math.Max(0, all.Count - keep))) System.IO.Directory.Delete(path, recursive: true);
    }

    /// <summary>
    /// Moves a checkpoint directory out of the way without deleting it (a rerun over a step that exists,
    /// or checkpoints newer than the one explicitly resumed from).
    /// </summary>
    public void SetAside(string path)
    {
        if (!System.IO.Directory.Exists(path)) return;
        string aside = $"{path}.superseded-{DateTime.UtcNow:yyyyMMddHHmmss}-{Guid.NewGuid().ToString("N")[..6]}";
        System.IO.Directory.Move(path, aside);
    }

    /// <summary>
    /// Verifies every checksum and reads the checkpoint; corrupt files throw <see cref="CheckpointCorruptException"/>.
    /// <paramref name="lora"/>: the run's adapter config (null for full fine-tuning); a checkpoint of the other kind, or
    /// adapters of another config or base, is refused naming the file.
    /// </summary>
    public static TrainerCheckpoint Load(string directory, ParameterLayout layout, LoraConfig? lora = null, string? baseWeightsSha256 = null)
    {
        CheckpointManifest.Verify(directory);
        CheckpointCorruptException Bad(string file, string problem, Exception? e = null) =>
            new($"checkpoint '{directory}' is corrupt: '{Path.Combine(directory, file)}' {problem}", directory, Path.Combine(directory, file), e);
        bool holdsAdapters = File.Exists(Path.Combine(directory, LoraAdapterFile.ConfigFileName));
        if (lora is not null && !holdsAdapters)
            throw new InvalidOperationException($"checkpoint '{directory}' holds a fully fine-tuned model (no {LoraAdapterFile.ConfigFileName}), but the run spec has a 'lora' section; use another output directory for a LoRA run");
        if (lora is null && holdsAdapters)
            throw new InvalidOperationException($"checkpoint '{directory}' holds LoRA adapters ({LoraAdapterFile.ConfigFileName}), but the run spec has no 'lora' section; use another output directory for full fine-tuning");
        if (ShardCheckpoint.IsSharded(directory)) return LoadSharded(directory, layout, lora, baseWeightsSha256);
        float[]? weights = null, adapters = null;
        long trained = layout.TotalCount;
        if (lora is not null)
        {
            LoadedAdapter adapter;
            try
            {
                adapter = LoraAdapterFile.Load(directory, layout);
            }
            catch (InvalidDataException e)
            {
                throw Bad(LoraAdapterFile.WeightsFileName, e.Message, e);
            }
            if (!adapter.Config.Equals(lora))
                throw new InvalidOperationException($"checkpoint '{Path.Combine(directory, LoraAdapterFile.ConfigFileName)}' has adapter config {adapter.Config.ToJson()}, the run spec asks for {lora.ToJson()}; use another output directory for a different LoRA run");
            if (baseWeightsSha256 is not null && adapter.Metadata.TryGetValue(BaseWeightsKey, out string? recorded) && recorded != baseWeightsSha256)
                throw new InvalidOperationException($"checkpoint '{Path.Combine(directory, LoraAdapterFile.WeightsFileName)}' was trained on base weights {recorded}, but the run's model has {baseWeightsSha256}: the base model changed since the run started");
            adapters = adapter.Weights;
            trained = adapter.Layout.TotalCount;
        }
        else
        {
            try
            {
                var model = ModelCheckpoint.Load(directory);
                if (model.Config != layout.Config) throw Bad(ModelCheckpoint.ConfigFileName, "describes a different model than the run's initial policy");
                weights = model.Weights;
            }
            catch (InvalidDataException e)
            {
                throw Bad(ModelCheckpoint.WeightsFileName, e.Message, e);
            }
        }
        float[] m, v;
        try
        {
            using var file = SafetensorsFile.Open(Path.Combine(directory, OptimizerFileName));
            m = file.Read(file["exp_avg"]);
            v = file.Read(file["exp_avg_sq"]);
        }
        catch (Exception e) when (e is InvalidDataException or KeyNotFoundException)
        {
            throw Bad(OptimizerFileName, e.Message, e);
        }
        if (m.Length != trained || v.Length != trained)
            throw Bad(OptimizerFileName, $"holds {m.Length}/{v.Length} moments, the run trains {trained} parameters");
        TrainerState state;
        try
        {
            state = TrainerState.FromJson(File.ReadAllText(Path.Combine(directory, StateFileName)));
        }
        catch (System.Text.Json.JsonException e)
        {
            throw Bad(StateFileName, $"is not valid JSON: {e.Message}", e);
        }
        return new TrainerCheckpoint(directory, weights, m, v, state, adapters);
    }

    /// <summary>
    /// A sharded checkpoint (manifest.json already verified): the slices assembled into the one-process buffers, so the
    /// result is the same <see cref="TrainerCheckpoint"/> the single learner's full checkpoint of that step reads back.
    /// </summary>
    private static TrainerCheckpoint LoadSharded(string directory, ParameterLayout layout, LoraConfig? lora, string? baseWeightsSha256)
    {
        CheckpointCorruptException Bad(string file, string problem, Exception? e = null) =>
            new($"checkpoint '{directory}' is corrupt: '{Path.Combine(directory, file)}' {problem}", directory, Path.Combine(directory, file), e);
        ShardCheckpointManifest manifest;
        try
        {
            manifest = ShardCheckpoint.ReadManifest(directory);
        }
        catch (InvalidDataException e)
        {
            throw Bad(ShardCheckpoint.ManifestFileName, e.Message, e);
        }
        long trained;
        if (lora is not null)
        {
            string configPath = Path.Combine(directory, LoraAdapterFile.ConfigFileName);
            LoraConfig config;
            try
            {
                config = LoraConfig.FromJson(File.ReadAllText(configPath), configPath);
                trained = new LoraLayout(layout, config).TotalCount;
            }
            catch (InvalidDataException e)
            {
                throw Bad(LoraAdapterFile.ConfigFileName, e.Message, e);
            }
            if (!config.Equals(lora))
                throw new InvalidOperationException($"checkpoint '{configPath}' has adapter config {config.ToJson()}, the run spec asks for {lora.ToJson()}; use another output directory for a different LoRA run");
            if (baseWeightsSha256 is not null && manifest.BaseWeightsSha256 is { } recorded && recorded != baseWeightsSha256)
                throw new InvalidOperationException($"checkpoint '{Path.Combine(directory, ShardCheckpoint.ManifestFileName)}' was trained on base weights {recorded}, but the run's model has {baseWeightsSha256}: the base model changed since the run started");
        }
        else
        {
            try
            {
                var config = HfConfigReader.Parse(File.ReadAllText(Path.Combine(directory, ModelCheckpoint.ConfigFileName)), Path.Combine(directory, ModelCheckpoint.ConfigFileName));
                if (config != layout.Config) throw Bad(ModelCheckpoint.ConfigFileName, "describes a different model than the run's initial policy");
            }
            catch (InvalidDataException e)
            {
                throw Bad(ModelCheckpoint.ConfigFileName, e.Message, e);
            }
            trained = layout.TotalCount;
        }
        ShardCheckpointSlices slices;
        try
        {
            slices = ShardCheckpoint.Assemble(directory, manifest, trained);
        }
        catch (InvalidDataException e)
        {
            throw Bad(ShardCheckpoint.ManifestFileName, e.Message, e);
        }
        TrainerState state;
        try
        {
            state = TrainerState.FromJson(File.ReadAllText(Path.Combine(directory, StateFileName)));
        }
        catch (System.Text.Json.JsonException e)
        {
            throw Bad(StateFileName, $"is not valid JSON: {e.Message}", e);
        }
        if (state.OptimizerStepCount != slices.StepCount)
            throw Bad(StateFileName, $"records AdamW step {state.OptimizerStepCount}, the shards' slices {slices.StepCount}");
        return lora is null
            ? new TrainerCheckpoint(directory, slices.Master, slices.M, slices.V, state)
            : new TrainerCheckpoint(directory, null, slices.M, slices.V, state, slices.Master);
    }

    private static void WriteOptimizer(string path, AdamW optimizer)
    {
        int n = optimizer.M.Length;
        var both = new float[2L * n];
        optimizer.M.CopyTo(both, 0);
        optimizer.V.CopyTo(both, n);
        ParameterInfo[] tensors = [new("exp_avg", [n], 0), new("exp_avg_sq", [n], n)];
        var metadata = new Dictionary<string, string> { ["format"] = "pt", ["precision.adamw_step"] = optimizer.StepCount.ToString(CultureInfo.InvariantCulture) };
        AtomicFile.Write(path, s => SafetensorsWriter.Write(s, both, tensors, DType.Fp32, metadata));
    }
}
