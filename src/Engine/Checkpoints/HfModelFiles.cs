namespace Precision.Orleans.Engine.Checkpoints;

/// <summary>
/// The files of a Hugging Face model directory: config.json and either the single model.safetensors or the
/// shards named by model.safetensors.index.json (which wins when both exist, as in transformers).
/// </summary>
public sealed record HfModelFiles(string Directory, string ConfigPath, IReadOnlyList<string> WeightPaths, SafetensorsIndex? Index)
{
    public string? IndexPath => Index is null ? null : Path.Combine(Directory, SafetensorsIndex.FileName);

    /// <summary>Throws <see cref="FileNotFoundException"/> naming what is missing (directory, config, weights, a shard).</summary>
    public static HfModelFiles Resolve(string directory)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        if (!System.IO.Directory.Exists(directory))
            throw new FileNotFoundException($"checkpoint directory '{directory}' does not exist", directory);
        string configPath = Path.Combine(directory, ModelCheckpoint.ConfigFileName);
        if (!File.Exists(configPath))
            throw new FileNotFoundException($"checkpoint '{directory}' has no {ModelCheckpoint.ConfigFileName} ('{configPath}' is missing)", configPath);

        string indexPath = Path.Combine(directory, SafetensorsIndex.FileName);
        if (File.Exists(indexPath))
        {
            var index = SafetensorsIndex.Read(indexPath);
            var paths = new List<string>();
            foreach (string shard in index.Files)
            {
                string path = Path.Combine(directory, shard);
                if (!File.Exists(path))
                {
                    int tensors = index.WeightMap.Count(kv => kv.Value == shard);
                    throw new FileNotFoundException(
                        $"checkpoint '{directory}': shard '{shard}' listed in {SafetensorsIndex.FileName} (for {tensors} tensors) is missing ('{path}')", path);
                }
                paths.Add(path);
            }
            return new HfModelFiles(directory, configPath, paths, index);
        }

        string weightsPath = Path.Combine(directory, ModelCheckpoint.WeightsFileName);
        if (!File.Exists(weightsPath))
            throw new FileNotFoundException(
                $"checkpoint '{directory}' has no {ModelCheckpoint.WeightsFileName} ('{weightsPath}' is missing) and no {SafetensorsIndex.FileName}", weightsPath);
        return new HfModelFiles(directory, configPath, [weightsPath], null);
    }

    /// <summary>
    /// Maps every tensor to the file holding it. With an index: each tensor the index places in a shard is in that
    /// shard, and every tensor of a shard is listed for that shard; a tensor in two files is refused either way.
    /// </summary>
    public IReadOnlyDictionary<string, (SafetensorsFile File, SafetensorsTensor Tensor)> CheckTensorPlacement(IReadOnlyList<SafetensorsFile> opened)
    {
        var owner = new Dictionary<string, (SafetensorsFile, SafetensorsTensor)>(StringComparer.Ordinal);
        foreach (var f in opened)
            foreach (var t in f.Tensors)
            {
                if (owner.TryGetValue(t.Name, out var other))
                    throw new InvalidDataException($"tensor '{t.Name}' is stored twice: in '{other.Item1.Path}' and in '{f.Path}'");
                owner[t.Name] = (f, t);
            }
        if (Index is not null)
            foreach (var (name, (f, _)) in owner)
            {
                string shard = Path.GetFileName(f.Path);
                if (!Index.WeightMap.TryGetValue(name, out string? listed))
                    throw new InvalidDataException($"safetensors file '{f.Path}': tensor '{name}' is not listed in {IndexPath}");
                if (listed != shard)
                    throw new InvalidDataException($"safetensors file '{f.Path}': tensor '{name}' is listed in {IndexPath} under '{listed}', not this shard");
            }
        if (Index is not null)
        {
            foreach (var (name, shard) in Index.WeightMap)
                if (!owner.ContainsKey(name))
                    throw new InvalidDataException(
                        $"safetensors file '{Path.Combine(Directory, shard)}': tensor '{name}' is listed in {IndexPath} for this shard but the shard does not contain it");
            long total = opened.Sum(f => f.Tensors.Sum(t => t.ByteCount));
            if (Index.TotalSize is long declared && declared != total)
                throw new InvalidDataException($"safetensors index '{IndexPath}': metadata.total_size is {declared} but the shards hold {total} bytes of tensor data");
        }
        return owner;
    }
}
