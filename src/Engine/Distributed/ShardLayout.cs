using Precision.Orleans.Engine.Model;

namespace Precision.Orleans.Engine.Distributed;

/// <summary>
/// How a run's trained parameters (the whole model, or the LoRA adapters) are split into S parameter shards: whole
/// tensors, consecutive in layout order, balanced by size — the split that minimises the largest shard (a linear
/// partition). Consecutive tensors keep every shard's slice one contiguous range of the flat buffer, so a gradient slice
/// is one span, a weight version is the shards' slices concatenated in shard order, and its content hash is the
/// single-learner hash of the same buffer.
/// </summary>
public sealed class ShardLayout
{
    private ShardLayout(IReadOnlyList<ParameterInfo> tensors, ShardRange[] shards)
    {
        Tensors = tensors;
        Shards = shards;
        TotalCount = shards[^1].Offset + shards[^1].Count;
    }

    /// <summary>The trained tensors, in layout order.</summary>
    public IReadOnlyList<ParameterInfo> Tensors { get; }

    /// <summary>The shards, in shard (= layout) order.</summary>
    public IReadOnlyList<ShardRange> Shards { get; }

    public long TotalCount { get; }

    /// <summary>The tensors held by <paramref name="shard"/>.</summary>
    public IReadOnlyList<ParameterInfo> TensorsOf(ShardRange shard) =>
        [.. Tensors.Skip(shard.FirstTensor).Take(shard.TensorCount)];

    /// <summary>Splits <paramref name="tensors"/> (contiguous, in offset order) into <paramref name="shards"/> balanced shards.</summary>
    public static ShardLayout Balance(IReadOnlyList<ParameterInfo> tensors, int shards)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        if (shards < 1) throw new ArgumentException($"parallel.shards must be at least 1, got {shards}");
        if (shards > tensors.Count)
            throw new ArgumentException($"parallel.shards is {shards} but the trained parameters are only {tensors.Count} tensors (a shard holds whole tensors)");
        long offset = tensors.Count == 0 ? 0 : tensors[0].Offset;
        foreach (var t in tensors)
        {
            if (t.Offset != offset) throw new ArgumentException($"tensor '{t.Name}' starts at {t.Offset}, expected {offset}: the layout must be contiguous");
            offset += t.Count;
        }
        // The smallest capacity C such that a greedy left-to-right fill needs at most S shards (binary search over C).
        long lo = tensors.Max(t => t.Count), hi = tensors.Sum(t => t.Count);
        while (lo < hi)
        {
            long mid = lo + (hi - lo) / 2;
            if (ShardsNeeded(tensors, mid) <= shards) hi = mid;
            else lo = mid + 1;
        }
        return new ShardLayout(tensors, Fill(tensors, lo, shards));
    }

    private static int ShardsNeeded(IReadOnlyList<ParameterInfo> tensors, long capacity)
    {
        int count = 1;
        long load = 0;
        foreach (var t in tensors)
        {
            if (load + t.Count > capacity) { count++; load = 0; }
            load += t.Count;
        }
        return count;
    }

    /// <summary>Greedy fill up to <paramref name="capacity"/>, leaving at least one tensor for each remaining shard so that exactly S shards exist.</summary>
    private static ShardRange[] Fill(IReadOnlyList<ParameterInfo> tensors, long capacity, int shards)
    {
        var result = new ShardRange[shards];
        int next = 0;
        for (int s = 0; s < shards; s++)
        {
            int first = next;
            long load = 0;
            int mustLeave = shards - s - 1;
            while (next < tensors.Count - mustLeave && (next == first || load + tensors[next].Count <= capacity))
            {
                load += tensors[next].Count;
                next++;
            }
            if (s == shards - 1)
                while (next < tensors.Count) { load += tensors[next].Count; next++; }
            result[s] = new ShardRange(s, first, next - first, tensors[first].Offset, load);
        }
        return result;
    }
}
