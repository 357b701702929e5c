using Precision.Orleans.Engine.Experts;

namespace Precision.Orleans.Engine.Training;

/// <summary>The expert seam: with <see cref="ExpertExecutor"/> set, the sparse layers' expert MLPs run there, forward and backward.</summary>
public sealed partial class TrainingEngine
{
    private ITrainingExpertExecutor? _expertExecutor;
    private long _expertWeightVersion = -1;
    private int[]? _moeLayerIndex;

    /// <summary>
    /// Where the expert MLPs run (e.g. <see cref="TrainingExpertParallelExecutor"/>); null = here, on
    /// <see cref="ComputeWeights"/>. Setting one loads the current master weights into it, and every
    /// <see cref="RefreshComputeWeights"/> (so every optimizer step) reloads them. The engine still routes, combines, and
    /// writes the executor's expert gradients into <see cref="Gradients"/> at the experts' offsets after each backward,
    /// so the optimizer (or a shard) sees the same gradient. Full fine-tuning of qwen3_moe only: LoRA adapters on the
    /// experts would need the adapters on the owners too.
    /// </summary>
    public ITrainingExpertExecutor? ExpertExecutor
    {
        get => _expertExecutor;
        set
        {
            if (value is not null)
            {
                if (!Config.IsMoe) throw new InvalidOperationException("expert executor: the model has no experts (not qwen3_moe)");
                if (Adapters is not null) throw new InvalidOperationException("expert executor: LoRA runs train adapters on the experts, which stay in the engine; not supported");
            }
            _expertExecutor = value;
            LoadExpertWeights();
        }
    }

    private void LoadExpertWeights() => _expertExecutor?.LoadWeights(Layout, MasterWeights, ++_expertWeightVersion);

    /// <summary>Index of model layer <paramref name="layer"/> among the sparse layers.</summary>
    private int MoeLayerIndex(int layer)
    {
        _moeLayerIndex ??= BuildMoeLayerIndex();
        return _moeLayerIndex[layer];
    }

    private int[] BuildMoeLayerIndex()
    {
        var index = new int[Config.NumHiddenLayers];
        Array.Fill(index, -1);
        var sparse = ExpertSet.SparseLayers(Config);
        for (int i = 0; i < sparse.Count; i++) index[sparse[i]] = i;
        return index;
    }

    /// <summary>The experts that have rows in this dispatch, ascending, and their row starts (plus the end).</summary>
    private static (int[] Experts, int[] RowStart) ExpertsWithRows(int[] expertStart, int experts)
    {
        var ids = new List<int>();
        var start = new List<int>();
        for (int e = 0; e < experts; e++)
            if (expertStart[e + 1] > expertStart[e])
            {
                ids.Add(e);
                start.Add(expertStart[e]);
            }
        start.Add(expertStart[experts]);
        return ([.. ids], [.. start]);
    }
}
