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
        config.Validate();
        if (layout.Config != config)
            throw new ArgumentException("the parameter layout was built for a different model config than the one being saved", nameof(layout));
        if (weights.Length != layout.TotalCount)
            throw new ArgumentException($"weights have {weights.Length} elements, the layout needs {layout.TotalCount}", nameof(weights));
        if (metadata is not null)
            foreach (string key in ReservedKeys)
                if (metadata.ContainsKey(key))
                    throw new ArgumentException($"metadata key '{key}' is reserved for the checkpoint writer", nameof(metadata));

        Directory.CreateDirectory(directory);
        byte[] configBytes = Encoding.UTF8.GetBytes(config.ToJson() + "\n");
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
    }

    /// <summary>
    /// Loads a checkpoint directory. Throws <see cref="FileNotFoundException"/> for a missing
    /// directory or file, <see cref="InvalidDataException"/> (naming the file and tensor) for a bad
    /// config, a damaged safetensors file, a checksum mismatch, a missing, unexpected or misshapen tensor.
    /// </summary>
    public static LoadedCheckpoint Load(string directory)
    {
        if (!Directory.Exists(directory))
            throw new FileNotFoundException($"checkpoint directory '{directory}' does not exist", directory);
        string configPath = Path.Combine(directory, ConfigFileName);
        string weightsPath = Path.Combine(directory, WeightsFileName);
        if (!File.Exists(configPath))
            throw new FileNotFoundException($"checkpoint '{directory}' has no {ConfigFileName} ('{configPath}' is missing)", configPath);
        if (!File.Exists(weightsPath))
            throw new FileNotFoundException($"checkpoint '{directory}' has no {WeightsFileName} ('{weightsPath}' is missing)", weightsPath);

        byte[] configBytes = File.ReadAllBytes(configPath);
        var config = ModelConfig.FromJson(Encoding.UTF8.GetString(configBytes), configPath);
        var layout = new ParameterLayout(config);

        using var file = SafetensorsFile.Open(weightsPath);
        InvalidDataException Bad(string what) => new($"safetensors file '{weightsPath}': {what}");

        if (file.Metadata.TryGetValue(ConfigChecksumKey, out string? configSha) &&
            !string.Equals(configSha, Convert.ToHexStringLower(SHA256.HashData(configBytes)), StringComparison.OrdinalIgnoreCase))
            throw Bad($"'{configPath}' is not the config these weights were saved with (its SHA-256 differs from {ConfigChecksumKey}); was a save interrupted?");

        foreach (var p in layout.Parameters)
        {
            if (!file.TryGetTensor(p.Name, out var t))
                throw Bad($"missing tensor '{p.Name}' (expected shape {SafetensorsTensor.FormatShape(p.Shape.Select(d => (long)d))} from {ConfigFileName})");
            if (!t.Shape.SequenceEqual(p.Shape.Select(d => (long)d)))
                throw Bad($"tensor '{p.Name}' has shape {t.ShapeText}, expected {SafetensorsTensor.FormatShape(p.Shape.Select(d => (long)d))} from {ConfigFileName}");
        }
        foreach (var t in file.Tensors)
            if (!layout.TryGet(t.Name, out _))
                throw Bad(t.Name == "lm_head.weight" && config.TieWordEmbeddings
                    ? $"unexpected tensor '{t.Name}': {ConfigFileName} says tie_word_embeddings=true, so there is no separate LM head"
                    : $"unexpected tensor '{t.Name}': no such parameter in a {config.ModelType} model of this config");

        // One sequential pass in file order: the tensors tile the data section, so hashing what we
        // read hashes the whole section without reading anything twice.
        var weights = new float[layout.TotalCount];
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var t in file.Tensors)
        {
            var p = layout[t.Name];
            file.Read(t, weights.AsSpan((int)p.Offset, (int)p.Count), hash);
        }
        string actual = Convert.ToHexStringLower(hash.GetHashAndReset());
        if (file.Metadata.TryGetValue(ChecksumKey, out string? expected) &&
            !string.Equals(expected, actual, StringComparison.OrdinalIgnoreCase))
            throw Bad($"corrupt: checksum of the data section is {actual}, the header records {expected}");

        return new LoadedCheckpoint(config, layout, weights, file.Metadata);
    }
}
