using System.Security.Cryptography;
using System.Text;
using Precision.Orleans.Engine.Model;
using Precision.Orleans.Engine.Numerics;

namespace Precision.Orleans.Engine.Checkpoints;

/// <summary>
/// Saves a checkpoint in the Hugging Face layout that transformers' from_pretrained reads: config.json (with
/// architectures, model_type, torch_dtype) and model.safetensors, or shards model-0000i-of-0000n.safetensors with
/// model.safetensors.index.json. A single file goes through <see cref="ModelCheckpoint.Save(string, ModelConfig, ParameterLayout, ReadOnlySpan{float}, IReadOnlyDictionary{string, string}?, Abstractions.DType)"/>
/// (both files staged, then renamed). A sharded set is written complete into a hidden sibling directory and swapped
/// in with two directory renames, so a reader never sees shards of one save with the index of another; files of the
/// old directory that are not weights (tokenizer files, manifests) are carried over.
/// </summary>
public static class HfCheckpointWriter
{
    public static void Save(string directory, ModelConfig config, ParameterLayout layout, ReadOnlySpan<float> weights, HfSaveOptions? options = null)
    {
        options ??= new HfSaveOptions();
        if (options.MaxShardBytes is null)
        {
            ModelCheckpoint.Save(directory, config, layout, weights, options.Metadata, options.StorageDType);
            return;
        }
        if (options.MaxShardBytes <= 0) throw new ArgumentOutOfRangeException(nameof(options), options.MaxShardBytes, "MaxShardBytes must be positive");
        ModelCheckpoint.CheckSaveArguments(config, layout, weights, options.Metadata);

        var shards = PlanShards(layout, options);
        string target = Path.GetFullPath(directory).TrimEnd(Path.DirectorySeparatorChar);
        string parent = Path.GetDirectoryName(target) ?? throw new ArgumentException($"cannot save a checkpoint at the root '{target}'", nameof(directory));
        string name = Path.GetFileName(target);
        Directory.CreateDirectory(parent);
        string staging = Path.Combine(parent, $".{name}.staging-{Guid.NewGuid():N}");
        Directory.CreateDirectory(staging);
        try
        {
            byte[] configBytes = Encoding.UTF8.GetBytes(HfConfigWriter.ToJson(config, options.StorageDType) + "\n");
            string configSha = Convert.ToHexStringLower(SHA256.HashData(configBytes));
            var weightMap = new Dictionary<string, string>(StringComparer.Ordinal);
            long totalSize = 0;
            for (int s = 0; s < shards.Count; s++)
            {
                string shardName = SafetensorsIndex.ShardName(s, shards.Count);
                var header = new Dictionary<string, string>(StringComparer.Ordinal)
                {
                    [ModelCheckpoint.FormatKey] = "pt",
                    [ModelCheckpoint.ChecksumKey] = SafetensorsWriter.ComputeDataSha256(weights, shards[s], options.StorageDType),
                    [ModelCheckpoint.ConfigChecksumKey] = configSha,
                };
                if (options.Metadata is not null)
                    foreach (var (k, v) in options.Metadata) header[k] = v;
                using (var shardFile = new FileStream(Path.Combine(staging, shardName), FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20))
                {
                    SafetensorsWriter.Write(shardFile, weights, shards[s], options.StorageDType, header);
                    shardFile.Flush(flushToDisk: true);
                }
                foreach (var p in shards[s])
                {
                    weightMap[p.Name] = shardName;
                    totalSize += p.Count * options.StorageDType.BytesPerElement();
                }
            }
            var index = new SafetensorsIndex(totalSize, weightMap);
            WriteDurably(Path.Combine(staging, SafetensorsIndex.FileName), stream => stream.Write(Encoding.UTF8.GetBytes(index.ToJson())));
            WriteDurably(Path.Combine(staging, ModelCheckpoint.ConfigFileName), stream => stream.Write(configBytes));
            CarryOverOtherFiles(target, staging);
            Swap(target, staging);
        }
        catch
        {
            TryDelete(staging);
            throw;
        }
    }

    private delegate void StreamWriter(Stream stream);

    private static void WriteDurably(string path, StreamWriter write)
    {
        using var f = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20);
        write(f);
        f.Flush(flushToDisk: true);
    }

    /// <summary>Greedy in layout order, like transformers: a shard closes when the next tensor would exceed the limit.</summary>
    internal static List<List<ParameterInfo>> PlanShards(ParameterLayout layout, HfSaveOptions options)
    {
        long limit = options.MaxShardBytes!.Value;
        var shards = new List<List<ParameterInfo>> { new() };
        long used = 0;
        foreach (var p in layout.Parameters)
        {
            long bytes = p.Count * options.StorageDType.BytesPerElement();
            if (shards[^1].Count > 0 && used + bytes > limit)
            {
                shards.Add([]);
                used = 0;
            }
            shards[^1].Add(p);
            used += bytes;
        }
        return shards;
    }

    /// <summary>True for the files a save owns (and replaces): config, single weights file, index, shards, staged temporaries.</summary>
    internal static bool IsCheckpointFile(string fileName) =>
        fileName is ModelCheckpoint.ConfigFileName or ModelCheckpoint.WeightsFileName or SafetensorsIndex.FileName ||
        (fileName.StartsWith("model-", StringComparison.Ordinal) && fileName.EndsWith(".safetensors", StringComparison.Ordinal) &&
         fileName.Contains("-of-", StringComparison.Ordinal)) ||
        (fileName.StartsWith('.') && fileName.EndsWith(".tmp", StringComparison.Ordinal));

    private static void CarryOverOtherFiles(string target, string staging)
    {
        if (!Directory.Exists(target)) return;
        foreach (string dir in Directory.GetDirectories(target))
            throw new IOException($"cannot save a sharded checkpoint over '{target}': it contains the directory '{Path.GetFileName(dir)}', which a directory swap would have to move");
        foreach (string file in Directory.GetFiles(target))
        {
            string fileName = Path.GetFileName(file);
            if (!IsCheckpointFile(fileName)) File.Copy(file, Path.Combine(staging, fileName));
        }
    }

    private static void Swap(string target, string staging)
    {
        if (!Directory.Exists(target))
        {
            Directory.Move(staging, target);
            return;
        }
        string old = Path.Combine(Path.GetDirectoryName(target)!, $".{Path.GetFileName(target)}.old-{Guid.NewGuid():N}");
        Directory.Move(target, old);
        try
        {
            Directory.Move(staging, target);
        }
        catch
        {
            Directory.Move(old, target); // put the previous checkpoint back
            throw;
        }
        TryDelete(old);
    }

    private static void TryDelete(string directory)
    {
        try
        {
            if (Directory.Exists(directory)) Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
            // A leftover hidden directory never shadows the checkpoint.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

}
