using System.Security.Cryptography;
using System.Text;
using Precision.Orleans.Abstractions;
using Precision.Orleans.Engine.Model;
using Precision.Orleans.Engine.Numerics;

namespace Precision.Orleans.Engine.Checkpoints;

/// <summary>
/// Loads a Hugging Face model directory — ours or a published one: <c>config.json</c> (read strictly by
/// <see cref="HfConfigReader"/>) plus either <c>model.safetensors</c> or <c>model.safetensors.index.json</c> with its
/// shards. Every file is validated before any data is read (headers, the index against the shards, the tensor set
/// against the config), then each file is read once, memory-mapped chunk by chunk, in data order. Our checksums
/// (precision.sha256 per file, precision.config_sha256) are verified when present; checkpoints without them load.
/// </summary>
public static class HfCheckpoint
{
    public static LoadedCheckpoint Load(string directory) => Load(directory, HfLoadOptions.Default);

    public static LoadedCheckpoint Load(string directory, HfLoadOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        // A sharded run's checkpoint: config.json beside the parameter shards' slices, no model.safetensors.
        if (ShardedModelCheckpoint.Holds(directory)) return ShardedModelCheckpoint.Load(directory, options);
        using var opened = Open(directory);
        // The engines hold all weights in one float[] (llm.c style); .NET arrays stop at Array.MaxLength elements.
        if (opened.Layout.TotalCount > Array.MaxLength)
            throw new InvalidDataException(
                $"checkpoint '{directory}': {opened.Layout.TotalCount:N0} parameters exceed the {Array.MaxLength:N0} one CPU weight buffer can hold; " +
                "`precision inspect` describes it without loading");
        var weights = new float[opened.Layout.TotalCount];
        var report = ReadAll(opened.Files, opened.Layout, weights, options);
        return new LoadedCheckpoint(opened.Config, opened.Layout, weights, opened.Files[0].Metadata)
        {
            WeightFiles = opened.ModelFiles.WeightPaths,
            Fp16Range = report,
        };
    }

    /// <summary>
    /// Resolves and validates everything but the data: config, index, every header, tensor placement, the tensor
    /// set against the config, and the config checksum. The caller disposes the open files.
    /// </summary>
    internal static OpenCheckpoint Open(string directory)
    {
        var files = HfModelFiles.Resolve(directory);
        byte[] configBytes = File.ReadAllBytes(files.ConfigPath);
        var config = HfConfigReader.Parse(Encoding.UTF8.GetString(configBytes), files.ConfigPath);
        var layout = new ParameterLayout(config);

        var opened = new List<SafetensorsFile>();
        try
        {
            foreach (string path in files.WeightPaths) opened.Add(SafetensorsFile.Open(path));
            var owner = files.CheckTensorPlacement(opened);
            CheckTensorSet(layout, owner, files);
            string configSha = System.Convert.ToHexStringLower(SHA256.HashData(configBytes));
            foreach (var f in opened)
                if (f.Metadata.TryGetValue(ModelCheckpoint.ConfigChecksumKey, out string? expected) &&
                    !string.Equals(expected, configSha, StringComparison.OrdinalIgnoreCase))
                    throw new InvalidDataException(
                        $"safetensors file '{f.Path}': '{files.ConfigPath}' is not the config these weights were saved with " +
                        $"(its SHA-256 differs from {ModelCheckpoint.ConfigChecksumKey}); was a save interrupted?");
            return new OpenCheckpoint(files, config, layout, opened, Encoding.UTF8.GetString(configBytes));
        }
        catch
        {
            foreach (var f in opened) f.Dispose();
            throw;
        }
    }

    internal sealed record OpenCheckpoint(HfModelFiles ModelFiles, ModelConfig Config, ParameterLayout Layout, List<SafetensorsFile> Files, string ConfigJson) : IDisposable
    {
        public void Dispose()
        {
            foreach (var f in Files) f.Dispose();
        }
    }

    internal static void VerifyChecksum(SafetensorsFile file, IncrementalHash hash)
    {
        string actual = System.Convert.ToHexStringLower(hash.GetHashAndReset());
        if (file.Metadata.TryGetValue(ModelCheckpoint.ChecksumKey, out string? expected) &&
            !string.Equals(expected, actual, StringComparison.OrdinalIgnoreCase))
            throw new InvalidDataException($"safetensors file '{file.Path}': corrupt: checksum of the data section is {actual}, the header records {expected}");
    }

    /// <summary>Every parameter of the config is present with its shape, and nothing else is.</summary>
    private static void CheckTensorSet(ParameterLayout layout, IReadOnlyDictionary<string, (SafetensorsFile File, SafetensorsTensor Tensor)> owner, HfModelFiles files)
    {
        string configName = Path.GetFileName(files.ConfigPath);
        string where = files.IndexPath is { } index ? $"shards listed in '{index}'" : $"safetensors file '{files.WeightPaths[0]}'";
        foreach (var p in layout.Parameters)
        {
            var shape = p.Shape.Select(d => (long)d).ToArray();
            if (!owner.TryGetValue(p.Name, out var found))
                throw new InvalidDataException(
                    $"{where}: missing tensor '{p.Name}' (expected shape {SafetensorsTensor.FormatShape(shape)} from {configName})");
            if (!found.Tensor.Shape.SequenceEqual(shape))
                throw new InvalidDataException(
                    $"safetensors file '{found.File.Path}': tensor '{p.Name}' has shape {found.Tensor.ShapeText}, expected {SafetensorsTensor.FormatShape(shape)} from {configName}");
        }
        foreach (var (name, (file, _)) in owner)
            if (!layout.TryGet(name, out _))
                throw new InvalidDataException($"safetensors file '{file.Path}': " + (name == "lm_head.weight" && layout.Config.TieWordEmbeddings
                    ? $"unexpected tensor '{name}': {configName} says tie_word_embeddings=true, so there is no separate LM head"
                    : $"unexpected tensor '{name}': no such parameter in a {layout.Config.ModelType} model of this config"));
    }

    /// <summary>One sequential pass per file in data order (so hashing what is read hashes the whole data section).</summary>
    private static Fp16RangeReport? ReadAll(List<SafetensorsFile> files, ParameterLayout layout, float[] weights, HfLoadOptions options)
    {
        bool toFp16 = options.TargetDType == DType.Fp16;
        bool measure = toFp16 || options.MeasureFp16Range;
        var counts = new List<Fp16RangeCounts>();
        foreach (var file in files)
        {
            using var reader = new SafetensorsMappedReader(file, options.MapChunkBytes);
            // Hash only what can be checked: a published checkpoint carries no checksum, and SHA-256 would be most of its load time.
            using var hash = file.Metadata.ContainsKey(ModelCheckpoint.ChecksumKey) ? IncrementalHash.CreateHash(HashAlgorithmName.SHA256) : null;
            foreach (var t in file.Tensors)
            {
                var p = layout[t.Name];
                var tensorCounts = Fp16RangeCounts.Empty(t.Name);
                reader.Read(t, weights.AsSpan((int)p.Offset, (int)p.Count), hash, chunk =>
                {
                    if (measure) tensorCounts = tensorCounts.Add(chunk);
                    ConvertInPlace(chunk, options);
                });
                if (measure) counts.Add(tensorCounts);
            }
            if (hash is not null) VerifyChecksum(file, hash);
        }
        if (!measure) return null;
        return RangeReport(counts, layout, options, Path.GetDirectoryName(files[0].Path) ?? "");
    }

    /// <summary>The FP16 range report of the tensors measured (in layout order), refusing an overflow when the options say so.</summary>
    internal static Fp16RangeReport RangeReport(List<Fp16RangeCounts> counts, ParameterLayout layout, HfLoadOptions options, string directory)
    {
        bool toFp16 = options.TargetDType == DType.Fp16;
        // Report in layout order whatever the file order was.
        var ordered = counts.OrderBy(c => layout[c.Tensor].Offset).ToList();
        var report = new Fp16RangeReport(ordered) { AppliedPolicy = toFp16 ? options.Fp16Policy : null };
        if (toFp16 && options.Fp16Policy == Fp16RangePolicy.Refuse && report.Total.HasOverflow)
            throw report.Refusal(directory);
        return report;
    }

    internal static void ConvertInPlace(Span<float> values, HfLoadOptions options)
    {
        switch (options.TargetDType)
        {
            case DType.Fp32:
                return;
            case DType.Fp16 when options.Fp16Policy == Fp16RangePolicy.Clamp:
                foreach (ref float x in values)
                    if (!(MathF.Abs(x) <= Fp16RangeCounts.Fp16Max) && !float.IsNaN(x)) x = MathF.CopySign(Fp16RangeCounts.Fp16Max, x);
                break;
        }
        // Under Refuse an overflow fails the load once the report is complete, so rounding to ±inf here is never seen.
        DTypeRounding.RoundInPlace(values, options.TargetDType);
    }
}
