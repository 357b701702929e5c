using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using Precision.Orleans.Abstractions;
using Precision.Orleans.Engine.Checkpoints;
using Precision.Orleans.Engine.Model;

namespace Precision.Orleans.Engine.Distributed;

/// <summary>
/// Sharded checkpoints: each shard writes its own slice (FP32 master, AdamW moments, step count) as one safetensors
/// file under <c>step-NNNNNN/</c>, atomically; the learner then writes <see cref="ManifestFileName"/> with every file's
/// SHA-256. Resuming takes the newest step directory whose manifest exists and whose files all match their checksums.
/// </summary>
public static class ShardCheckpoint
{
    public const string ManifestFileName = "shards-manifest.json";

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    public static string StepDirectory(string root, long step) => Path.Combine(root, $"step-{step:D6}");

    public static string SliceFileName(int shard) => $"shard-{shard:D3}.safetensors";

    /// <summary>A shard writes its slice into <paramref name="directory"/> (atomic) and returns its entry for the manifest.</summary>
    public static ShardCheckpointEntry WriteSlice(string directory, ShardOptimizer shard)
    {
        ArgumentNullException.ThrowIfNull(shard);
        Directory.CreateDirectory(directory);
        int n = shard.Master.Length;
        var all = new float[3L * n];
        shard.Master.CopyTo(all, 0);
        shard.Optimizer.M.CopyTo(all, n);
        shard.Optimizer.V.CopyTo(all, 2 * n);
        ParameterInfo[] tensors = [new("master", [n], 0), new("exp_avg", [n], n), new("exp_avg_sq", [n], 2L * n)];
        var metadata = new Dictionary<string, string>
        {
            ["precision.shard"] = shard.Range.Index.ToString(CultureInfo.InvariantCulture),
            ["precision.offset"] = shard.Range.Offset.ToString(CultureInfo.InvariantCulture),
            ["precision.adamw_step"] = shard.Optimizer.StepCount.ToString(CultureInfo.InvariantCulture),
        };
        string file = SliceFileName(shard.Range.Index);
        string path = Path.Combine(directory, file);
        AtomicFile.Write(path, s => SafetensorsWriter.Write(s, all, tensors, DType.Fp32, metadata));
        return new ShardCheckpointEntry(shard.Range.Index, file, Sha256Of(path), shard.Range.Offset, n);
    }

    /// <summary>Reads a shard's slice back into <paramref name="shard"/> after checking the file against its manifest entry.</summary>
    public static void ReadSlice(string directory, ShardCheckpointEntry entry, ShardOptimizer shard)
    {
        ArgumentNullException.ThrowIfNull(entry);
        ArgumentNullException.ThrowIfNull(shard);
        string path = Path.Combine(directory, entry.File);
        string sha = Sha256Of(path);
        if (sha != entry.Sha256) throw new InvalidDataException($"sharded checkpoint {directory}: {entry.File} has SHA-256 {sha}, the manifest says {entry.Sha256}");
        if (entry.Offset != shard.Range.Offset || entry.Count != shard.Range.Count)
            throw new InvalidDataException($"sharded checkpoint {directory}: {entry.File} holds values [{entry.Offset}, +{entry.Count}), shard {shard.Range.Index} holds [{shard.Range.Offset}, +{shard.Range.Count}) — was the run resharded?");
        using var file = SafetensorsFile.Open(path);
        file.Read(file["master"], shard.Master);
        file.Read(file["exp_avg"], shard.Optimizer.M);
        file.Read(file["exp_avg_sq"], shard.Optimizer.V);
        shard.Optimizer.StepCount = long.Parse(file.Metadata["precision.adamw_step"], CultureInfo.InvariantCulture);
    }

    /// <summary>The learner's last write: the manifest, atomically (the checkpoint exists from this moment).</summary>
    public static void WriteManifest(string directory, ShardCheckpointManifest manifest) =>
        AtomicFile.WriteAllText(Path.Combine(directory, ManifestFileName), JsonSerializer.Serialize(manifest, Json));

    /// <summary>Reads <see cref="ManifestFileName"/> of <paramref name="directory"/>; a missing or unreadable one throws naming the file.</summary>
    public static ShardCheckpointManifest ReadManifest(string directory)
    {
        string path = Path.Combine(directory, ManifestFileName);
        if (!File.Exists(path)) throw new FileNotFoundException($"sharded checkpoint '{directory}': '{path}' is missing (the checkpoint was never completed)", path);
        try
        {
            var manifest = JsonSerializer.Deserialize<ShardCheckpointManifest>(File.ReadAllText(path));
            if (manifest?.Shards is not { Length: > 0 }) throw new InvalidDataException($"sharded checkpoint manifest '{path}' lists no shard files");
            return manifest;
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"sharded checkpoint manifest '{path}' is not valid: {e.Message}", e);
        }
    }

    /// <summary>Whether <paramref name="directory"/> holds a sharded checkpoint (its manifest exists).</summary>
    public static bool IsSharded(string directory) => File.Exists(Path.Combine(directory, ManifestFileName));

    /// <summary>
    /// Puts a sharded checkpoint's slices back together into the flat buffers of <paramref name="totalCount"/> trained
    /// values (any shard count: the slices are placed by offset). Every file is checked against its manifest entry
    /// (SHA-256, offset, length) and the slices must tile [0, <paramref name="totalCount"/>) exactly and agree on the
    /// AdamW step count; anything else throws <see cref="InvalidDataException"/> naming the file.
    /// </summary>
    public static ShardCheckpointSlices Assemble(string directory, ShardCheckpointManifest manifest, long totalCount)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        string manifestPath = Path.Combine(directory, ManifestFileName);
        var master = new float[totalCount];
        var m = new float[totalCount];
        var v = new float[totalCount];
        long next = 0;
        long? stepCount = null;
        foreach (var entry in manifest.Shards.OrderBy(e => e.Offset))
        {
            string path = Path.Combine(directory, entry.File);
            InvalidDataException Bad(string problem) => new($"sharded checkpoint '{directory}': '{path}' {problem}");
            if (entry.File.Length == 0 || entry.File != Path.GetFileName(entry.File))
                throw new InvalidDataException($"sharded checkpoint manifest '{manifestPath}' names '{entry.File}', not a file of the checkpoint directory");
            if (entry.Offset != next || entry.Count < 0 || entry.Offset + entry.Count > totalCount)
                throw Bad($"holds values [{entry.Offset}, +{entry.Count}), but the slices must tile the {totalCount} trained values in order (next expected offset {next}): a slice is missing or the checkpoint is of another model");
            if (!File.Exists(path)) throw Bad("is missing");
            string sha = Sha256Of(path);
            if (sha != entry.Sha256) throw Bad($"has SHA-256 {sha}, but {ManifestFileName} recorded {entry.Sha256} (the file changed after the checkpoint was written)");
            try
            {
                using var file = SafetensorsFile.Open(path);
                foreach (var (name, target) in new[] { ("master", master), ("exp_avg", m), ("exp_avg_sq", v) })
                {
                    var tensor = file[name];
                    if (tensor.ElementCount != entry.Count) throw Bad($"tensor '{name}' holds {tensor.ElementCount} values, {ManifestFileName} says {entry.Count}");
                    file.Read(tensor, target.AsSpan((int)entry.Offset, (int)entry.Count));
                }
                long count = long.Parse(file.Metadata["precision.adamw_step"], CultureInfo.InvariantCulture);
                if (stepCount is { } other && other != count) throw Bad($"records AdamW step {count}, another slice {other}: the slices are of different steps");
                stepCount = count;
            }
            catch (Exception e) when (e is KeyNotFoundException or FormatException)
            {
                throw Bad($"is not a shard slice: {e.Message}");
            }
            next = entry.Offset + entry.Count;
        }
        if (next != totalCount)
            throw new InvalidDataException($"sharded checkpoint '{directory}': the slices in '{manifestPath}' hold {next} values, the run trains {totalCount}");
        return new ShardCheckpointSlices(master, m, v, stepCount ?? 0);
    }

    /// <summary>The newest complete sharded checkpoint under <paramref name="root"/> (manifest present, every file matching its checksum), or null.</summary>
    public static (string Directory, ShardCheckpointManifest Manifest)? Latest(string root)
    {
        if (!Directory.Exists(root)) return null;
        foreach (var dir in Directory.GetDirectories(root, "step-*").Order(StringComparer.Ordinal).Reverse())
        {
            string path = Path.Combine(dir, ManifestFileName);
            if (!File.Exists(path)) continue;
            var manifest = JsonSerializer.Deserialize<ShardCheckpointManifest>(File.ReadAllText(path))
                ?? throw new InvalidDataException($"{path}: empty manifest");
            if (manifest.Shards.All(e => File.Exists(Path.Combine(dir, e.File)) && Sha256Of(Path.Combine(dir, e.File)) == e.Sha256))
                return (dir, manifest);
        }
        return null;
    }

    private static string Sha256Of(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }
}
