using System.Globalization;
using System.Text;
using Precision.Orleans.Abstractions;
using Precision.Orleans.Engine.Distributed;
using Precision.Orleans.Engine.Model;

namespace Precision.Orleans.Engine.Checkpoints;

/// <summary>
/// Reads the model of a sharded run's full fine-tuning checkpoint — <c>config.json</c> beside the parameter shards'
/// slices and <see cref="ShardCheckpoint.ManifestFileName"/>, no <c>model.safetensors</c> — as one model: the slices'
/// FP32 masters are the trained parameters in layout order. So every command that takes a model directory (eval,
/// sanity-set, mismatch, a run spec's <c>model</c>) reads such a checkpoint as it reads the single learner's.
/// </summary>
public static class ShardedModelCheckpoint
{
    /// <summary>A directory with a sharded-checkpoint manifest and neither a single weights file nor a safetensors index.</summary>
    public static bool Holds(string directory) =>
        Directory.Exists(directory) && ShardCheckpoint.IsSharded(directory)
        && !File.Exists(Path.Combine(directory, ModelCheckpoint.WeightsFileName))
        && !File.Exists(Path.Combine(directory, SafetensorsIndex.FileName));

    public static LoadedCheckpoint Load(string directory, HfLoadOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        string configPath = Path.Combine(directory, ModelCheckpoint.ConfigFileName);
        if (!File.Exists(configPath))
            throw new FileNotFoundException(
                $"sharded checkpoint '{directory}' has no {ModelCheckpoint.ConfigFileName} ('{configPath}' is missing): it holds LoRA adapters or is not a model", configPath);
        var config = HfConfigReader.Parse(File.ReadAllText(configPath, Encoding.UTF8), configPath);
        var layout = new ParameterLayout(config);
        var manifest = ShardCheckpoint.ReadManifest(directory);
        var weights = ShardCheckpoint.Assemble(directory, manifest, layout.TotalCount).Master;
        bool measure = options.TargetDType == DType.Fp16 || options.MeasureFp16Range;
        var counts = new List<Fp16RangeCounts>();
        foreach (var p in layout.Parameters)
        {
            var values = weights.AsSpan((int)p.Offset, (int)p.Count);
            if (measure) counts.Add(Fp16RangeCounts.Empty(p.Name).Add(values));
            HfCheckpoint.ConvertInPlace(values, options);
        }
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [ModelCheckpoint.FormatKey] = "pt",
            ["precision.step"] = manifest.Step.ToString(CultureInfo.InvariantCulture),
        };
        return new LoadedCheckpoint(config, layout, weights, metadata)
        {
            WeightFiles = [.. manifest.Shards.OrderBy(e => e.Offset).Select(e => Path.Combine(directory, e.File))],
            Fp16Range = measure ? HfCheckpoint.RangeReport(counts, layout, options, directory) : null,
        };
    }

    /// <summary>
    /// <c>precision inspect</c> of a sharded checkpoint: the model as <see cref="Load"/> reads it (FP32 masters, every
    /// slice's SHA-256 checked against the manifest); the files are the slices, each with the model tensors it holds.
    /// </summary>
    public static HfCheckpointSummary Inspect(string directory)
    {
        var model = Load(directory, new HfLoadOptions { MeasureFp16Range = true });
        var layout = model.Layout;
        var manifest = ShardCheckpoint.ReadManifest(directory);
        var files = manifest.Shards.OrderBy(e => e.Offset).Select(e => new WeightFileInfo(e.File, new FileInfo(Path.Combine(directory, e.File)).Length,
            layout.Parameters.Count(p => p.Offset >= e.Offset && p.Offset < e.Offset + e.Count))).ToList();
        string configJson = File.ReadAllText(Path.Combine(directory, ModelCheckpoint.ConfigFileName), Encoding.UTF8);
        return new HfCheckpointSummary(directory, model.Config, HfConfigReader.TorchDType(configJson), layout.TotalCount,
            HfCheckpointInspector.ActiveParameters(layout), [new DTypeShare("F32", layout.TotalCount, layout.TotalCount * 4L)], files,
            Sharded: true, ChecksumsVerified: true, model.Fp16Range!);
    }
}
