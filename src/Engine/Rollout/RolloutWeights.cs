using Precision.Orleans.Abstractions;
using Precision.Orleans.Engine.Model;

namespace Precision.Orleans.Engine.Rollout;

/// <summary>All weights of the rollout engine, filled from an FP32 master buffer in <see cref="ParameterLayout"/> order.</summary>
internal sealed class RolloutWeights
{
    public StoredMatrix Embedding { get; }
    public IReadOnlyList<RolloutLayerWeights> Layers { get; }
    public StoredVector FinalNorm { get; }

    /// <summary>The LM head; the very same object as <see cref="Embedding"/> when embeddings are tied.</summary>
    public StoredMatrix LmHead { get; }

    public RolloutWeights(ModelConfig c, DType dtype)
    {
        Embedding = new StoredMatrix(dtype, c.VocabSize, c.HiddenSize);
        Layers = [.. Enumerable.Range(0, c.NumHiddenLayers).Select(l => new RolloutLayerWeights(c, dtype, l))];
        FinalNorm = new StoredVector(dtype, c.HiddenSize);
        LmHead = c.TieWordEmbeddings ? Embedding : new StoredMatrix(dtype, c.VocabSize, c.HiddenSize);
    }

    /// <summary>Rounds the master weights to the dtype and merges q/k/v and gate/up.</summary>
    public void Load(ParameterLayout layout, ReadOnlySpan<float> master)
    {
        var c = layout.Config;
        int d = c.HiddenSize, q = c.QDim, kv = c.KvDim, inter = c.IntermediateSize;

        Embedding.SetRows(0, Slice(master, layout.Embedding, (long)c.VocabSize * d));
        for (int l = 0; l < c.NumHiddenLayers; l++)
        {
            var src = layout.Layers[l];
            var dst = Layers[l];
            dst.InputNorm.Set(0, Slice(master, src.InputNorm, d));
            dst.Qkv.SetRows(0, Slice(master, src.QProj, (long)q * d));
            dst.Qkv.SetRows(q, Slice(master, src.KProj, (long)kv * d));
            dst.Qkv.SetRows(q + kv, Slice(master, src.VProj, (long)kv * d));
            if (dst.QkvBias is not null)
            {
                dst.QkvBias.Set(0, Slice(master, src.QBias, q));
                dst.QkvBias.Set(q, Slice(master, src.KBias, kv));
                dst.QkvBias.Set(q + kv, Slice(master, src.VBias, kv));
            }
            dst.OProj.SetRows(0, Slice(master, src.OProj, (long)d * q));
            dst.PostAttentionNorm.Set(0, Slice(master, src.PostAttentionNorm, d));
            if (dst.QNorm is not null && dst.KNorm is not null)
            {
                dst.QNorm.Set(0, Slice(master, src.QNorm, c.HeadDim));
                dst.KNorm.Set(0, Slice(master, src.KNorm, c.HeadDim));
            }
            if (dst.Moe is { } moe) LoadExperts(moe, src, master, c);
            else
            {
                dst.GateUp!.SetRows(0, Slice(master, src.GateProj, (long)inter * d));
                dst.GateUp.SetRows(inter, Slice(master, src.UpProj, (long)inter * d));
                dst.Down!.SetRows(0, Slice(master, src.DownProj, (long)d * inter));
            }
        }
        FinalNorm.Set(0, Slice(master, layout.FinalNorm, d));
        if (!ReferenceEquals(LmHead, Embedding)) LmHead.SetRows(0, Slice(master, layout.LmHead, (long)c.VocabSize * d));
    }

    private static void LoadExperts(RolloutMoeWeights moe, LayerOffsets src, ReadOnlySpan<float> master, ModelConfig c)
    {
        int d = c.HiddenSize, inter = c.MoeIntermediateSize;
        moe.Router.SetRows(0, Slice(master, src.Router, (long)c.NumExperts * d));
        for (int e = 0; e < c.NumExperts; e++)
        {
            var x = src.Experts[e];
            moe.GateUp[e].SetRows(0, Slice(master, x.GateProj, (long)inter * d));
            moe.GateUp[e].SetRows(inter, Slice(master, x.UpProj, (long)inter * d));
            moe.Down[e].SetRows(0, Slice(master, x.DownProj, (long)d * inter));
        }
    }

    private static ReadOnlySpan<float> Slice(ReadOnlySpan<float> master, long offset, long count) => master.Slice((int)offset, (int)count);
}
