using System.Security.Cryptography;
using System.Text;
using Precision.Orleans.Abstractions;
using Precision.Orleans.Engine.Checkpoints;
using Precision.Orleans.Engine.Model;

namespace Precision.Orleans.Engine.Lora;

/// <summary>
/// A LoRA adapter directory in the PEFT layout: <c>adapter_config.json</c> + <c>adapter_model.safetensors</c>
/// (FP32, PEFT tensor names), saved on its own without the base model. The safetensors metadata carries
/// <c>"format": "pt"</c> and our SHA-256 of the data section; both files are written atomically.
/// </summary>
public static class LoraAdapterFile
{
    public const string ConfigFileName = "adapter_config.json";
    public const string WeightsFileName = "adapter_model.safetensors";

    public static void Save(string directory, LoraConfig config, LoraLayout layout, ReadOnlySpan<float> weights,
        IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        config.Validate();
        if (!layout.Config.Equals(config))
            throw new ArgumentException("the LoRA layout was built for a different adapter config than the one being saved", nameof(layout));
        if (weights.Length != layout.TotalCount)
            throw new ArgumentException($"adapter weights have {weights.Length} elements, the LoRA layout needs {layout.TotalCount}", nameof(weights));
        if (metadata is not null && (metadata.ContainsKey(ModelCheckpoint.FormatKey) || metadata.ContainsKey(ModelCheckpoint.ChecksumKey)))
            throw new ArgumentException($"metadata keys '{ModelCheckpoint.FormatKey}' and '{ModelCheckpoint.ChecksumKey}' are reserved for the adapter writer", nameof(metadata));

        Directory.CreateDirectory(directory);
        var header = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [ModelCheckpoint.FormatKey] = "pt",
            [ModelCheckpoint.ChecksumKey] = SafetensorsWriter.ComputeDataSha256(weights, layout.Parameters, DType.Fp32),
        };
        if (metadata is not null)
            foreach (var (k, v) in metadata) header[k] = v;

        // Both files complete on disk before either name changes (as ModelCheckpoint does).
        using var weightsFile = StagedFile.Create(Path.Combine(directory, WeightsFileName));
        using var configFile = StagedFile.Create(Path.Combine(directory, ConfigFileName));
        SafetensorsWriter.Write(weightsFile.Stream, weights, layout.Parameters, DType.Fp32, header);
        weightsFile.Seal();
        configFile.Stream.Write(Encoding.UTF8.GetBytes(config.ToJson() + "\n"));
        configFile.Seal();
        weightsFile.Commit();
        configFile.Commit();
    }

    /// <summary>
    /// Reads an adapter directory for <paramref name="baseLayout"/>. Throws <see cref="FileNotFoundException"/> for a
    /// missing directory/file and <see cref="InvalidDataException"/> naming the file and tensor for a bad config, a
    /// missing, unexpected or misshapen tensor (e.g. a rank that differs from <c>r</c>), or a checksum mismatch.
    /// </summary>
    public static LoadedAdapter Load(string directory, ParameterLayout baseLayout)
    {
        ArgumentNullException.ThrowIfNull(baseLayout);
        if (!Directory.Exists(directory))
            throw new FileNotFoundException($"adapter directory '{directory}' does not exist", directory);
        string configPath = Path.Combine(directory, ConfigFileName);
        string weightsPath = Path.Combine(directory, WeightsFileName);
        if (!File.Exists(configPath))
            throw new FileNotFoundException($"adapter '{directory}' has no {ConfigFileName} ('{configPath}' is missing)", configPath);
        if (!File.Exists(weightsPath))
            throw new FileNotFoundException($"adapter '{directory}' has no {WeightsFileName} ('{weightsPath}' is missing)", weightsPath);

        var config = LoraConfig.FromJson(File.ReadAllText(configPath), configPath);
        LoraLayout layout;
        try
        {
            layout = new LoraLayout(baseLayout, config);
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"{configPath}: {e.Message}", e);
        }

        using var file = SafetensorsFile.Open(weightsPath);
        InvalidDataException Bad(string what) => new($"adapter file '{weightsPath}': {what}");
        foreach (var p in layout.Parameters)
        {
            var expected = p.Shape.Select(d => (long)d).ToArray();
            if (!file.TryGetTensor(p.Name, out var t))
                throw Bad($"missing tensor '{p.Name}' (expected shape {SafetensorsTensor.FormatShape(expected)} from {ConfigFileName} r={config.Rank} and the base model)");
            if (!t.Shape.SequenceEqual(expected))
                throw Bad($"tensor '{p.Name}' has shape {t.ShapeText}, expected {SafetensorsTensor.FormatShape(expected)} (r={config.Rank} in {ConfigFileName} and the base model's weight shape)");
        }
        foreach (var t in file.Tensors)
            if (!layout.TryGet(t.Name, out _))
                throw Bad($"unexpected tensor '{t.Name}': not an adapter of target_modules [{string.Join(", ", config.TargetModules)}] on this {baseLayout.Config.ModelType} model");

        var weights = new float[layout.TotalCount];
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var t in file.Tensors)
        {
            layout.TryGet(t.Name, out var p);
            file.Read(t, weights.AsSpan((int)p.Offset, (int)p.Count), hash);
        }
        string actual = Convert.ToHexStringLower(hash.GetHashAndReset());
        if (file.Metadata.TryGetValue(ModelCheckpoint.ChecksumKey, out string? recorded) &&
            !string.Equals(recorded, actual, StringComparison.OrdinalIgnoreCase))
            throw Bad($"corrupt: checksum of the data section is {actual}, the header records {recorded}");
        return new LoadedAdapter(config, layout, weights, file.Metadata);
    }
}
