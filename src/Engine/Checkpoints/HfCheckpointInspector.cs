using System.Buffers;
using System.Security.Cryptography;
using Precision.Orleans.Engine.Model;

namespace Precision.Orleans.Engine.Checkpoints;

/// <summary>
/// Summarises a model directory without holding its weights: every file is validated as for a load, then each
/// tensor is streamed once through a small scratch buffer to count its FP16 range (and verify our checksums when
/// present). Memory stays at a few MiB whatever the model's size.
/// </summary>
public static class HfCheckpointInspector
{
    private const int ScratchElements = 1 << 20;

    public static HfCheckpointSummary Inspect(string directory, long mapChunkBytes = 32L << 20)
    {
        if (ShardedModelCheckpoint.Holds(directory)) return ShardedModelCheckpoint.Inspect(directory);
        using var open = HfCheckpoint.Open(directory);
        var counts = new List<Fp16RangeCounts>();
        bool anyChecksum = false;
        float[] scratch = ArrayPool<float>.Shared.Rent(ScratchElements);
        try
        {
            foreach (var file in open.Files)
            {
                using var reader = new SafetensorsMappedReader(file, mapChunkBytes);
                using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
                foreach (var t in file.Tensors)
                {
                    var c = Fp16RangeCounts.Empty(t.Name);
                    reader.Scan(t, scratch.AsSpan(0, ScratchElements), hash, chunk => c = c.Add(chunk));
                    counts.Add(c);
                }
                anyChecksum |= file.Metadata.ContainsKey(ModelCheckpoint.ChecksumKey);
                HfCheckpoint.VerifyChecksum(file, hash);
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(scratch);
        }

        var layout = open.Layout;
        var tensors = open.Files.SelectMany(f => f.Tensors).ToList();
        var dtypes = tensors.GroupBy(t => SafetensorsDType.Name(t.DType))
            .Select(g => new DTypeShare(g.Key, g.Sum(t => t.ElementCount), g.Sum(t => t.ByteCount)))
            .OrderByDescending(d => d.Bytes).ToList();
        var files = open.Files.Select(f => new WeightFileInfo(Path.GetFileName(f.Path), new FileInfo(f.Path).Length, f.Tensors.Count)).ToList();
        var report = new Fp16RangeReport(counts.OrderBy(c => layout[c.Tensor].Offset).ToList());
        return new HfCheckpointSummary(directory, open.Config, HfConfigReader.TorchDType(open.ConfigJson), layout.TotalCount,
            ActiveParameters(layout), dtypes, files, open.ModelFiles.Index is not null, anyChecksum, report);
    }

    /// <summary>Parameters one token passes through: all of them, less the experts a MoE layer does not route it to.</summary>
    public static long ActiveParameters(ParameterLayout layout)
    {
        var c = layout.Config;
        long inactive = 0;
        foreach (var l in layout.Layers)
            if (l.IsSparse)
            {
                long perExpert = 3L * c.MoeIntermediateSize * c.HiddenSize;
                inactive += (c.NumExperts - c.NumExpertsPerToken) * perExpert;
            }
        return layout.TotalCount - inactive;
    }
}
