using System.Security.Cryptography;
using System.Text;
using Precision.Orleans.Abstractions;
using Precision.Orleans.Engine.Model;

namespace Precision.Orleans.Engine.Checkpoints;

/// <summary>
/// A model checkpoint directory in the Hugging Face layout: <c>config.json</c> plus
/// <c>model.safetensors</c> with HF tensor names (no <c>lm_head.weight</c> when embeddings are tied).
/// The safetensors metadata carries <c>"format": "pt"</c>, a SHA-256 of the data section and a
/// SHA-256 of config.json, so corruption and a config that does not belong to the weights are
/// caught at load time. Both files are written atomically (temp file, flush to disk, rename).
/// </summary>
public static class ModelCheckpoint
{
    public const string ConfigFileName = "config.json";
    public const string WeightsFileName = "model.safetensors";
    public const string FormatKey = "format";
    public const string ChecksumKey = "precision.sha256";
    public const string ConfigChecksumKey = "precision.config_sha256";

    private static readonly string[] ReservedKeys = [FormatKey, ChecksumKey, ConfigChecksumKey];

    public static void Save(string directory, ModelConfig config, ParameterLayout layout, ReadOnlySpan<float> weights,
        IReadOnlyDictionary<string, string>? metadata = null, DType storageDType = DType.Fp32) =>
        Save(directory, config, layout, weights, metadata, storageDType, wrapWeightsStream: null);

    /// <param name="wrapWeightsStream">Test hook: wraps the stream the safetensors bytes go through (to simulate a failing disk).</param>
    internal static void Save(string directory, ModelConfig config, ParameterLayout layout, ReadOnlySpan<float> weights,
        IReadOnlyDictionary<string, string>? metadata, DType storageDType, Func<Stream, Stream>? wrapWeightsStream)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        CheckSaveArguments(config, layout, weights, metadata);

        Directory.CreateDirectory(directory);
        byte[] configBytes = Encoding.UTF8.GetBytes(HfConfigWriter.ToJson(config, storageDType) + "\n");
        var header = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [FormatKey] = "pt",
            [ChecksumKey] = SafetensorsWriter.ComputeDataSha256(weights, layout.Parameters, storageDType),
            [ConfigChecksumKey] = Convert.ToHexStringLower(SHA256.HashData(configBytes)),
        };
        if (metadata is not null)
            foreach (var (k, v) in metadata) header[k] = v;

        // Both files are complete and on disk before either final name changes; a failure anywhere
        // before the renames leaves the previous checkpoint exactly as it was.
        using var weightsFile = StagedFile.Create(Path.Combine(directory, WeightsFileName));
        using var configFile = StagedFile.Create(Path.Combine(directory, ConfigFileName));
        var weightsStream = wrapWeightsStream?.Invoke(weightsFile.Stream) ?? weightsFile.Stream;
        SafetensorsWriter.Write(weightsStream, weights, layout.Parameters, storageDType, header);
        weightsStream.Flush();
        weightsFile.Seal();
        configFile.Stream.Write(configBytes);
        configFile.Seal();
        weightsFile.Commit();
        configFile.Commit();
        RemoveStaleShards(directory);
    }

    internal static void CheckSaveArguments(ModelConfig config, ParameterLayout layout, ReadOnlySpan<float> weights, IReadOnlyDictionary<string, string>? metadata)
    {
        config.Validate();
        if (layout.Config != config)
            throw new ArgumentException("the parameter layout was built for a different model config than the one being saved", nameof(layout));
        if (weights.Length != layout.TotalCount)
            throw new ArgumentException($"weights have {weights.Length} elements, the layout needs {layout.TotalCount}", nameof(weights));
        if (metadata is not null)
            foreach (string key in ReservedKeys)
                if (metadata.ContainsKey(key))
                    throw new ArgumentException($"metadata key '{key}' is reserved for the checkpoint writer", nameof(metadata));
    }

    /// <summary>
    /// A single-file save over a sharded checkpoint: the index goes first (so loaders fall back to the new
    /// model.safetensors at once), then the shards it named.
    /// </summary>
    private static void RemoveStaleShards(string directory)
    {
        string index = Path.Combine(directory, SafetensorsIndex.FileName);
        if (!File.Exists(index)) return;
        File.Delete(index);
        foreach (string shard in Directory.GetFiles(directory, "model-*-of-*.safetensors")) File.Delete(shard);
    }

    /// <summary>
    /// Loads a checkpoint directory — ours or a Hugging Face one, single-file or sharded — as FP32 (see
    /// <see cref="HfCheckpoint.Load(string, HfLoadOptions)"/>). Throws <see cref="FileNotFoundException"/> for a missing
    /// directory or file, <see cref="InvalidDataException"/> (naming the file and tensor) for a bad config, a damaged
    /// safetensors file or index, a checksum mismatch, a missing, unexpected or misshapen tensor.
    /// </summary>
    public static LoadedCheckpoint Load(string directory) => HfCheckpoint.Load(directory);
}
