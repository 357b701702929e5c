using Precision.Orleans.Engine.Model;

namespace Precision.Orleans.Engine.Training;

/// <summary>
/// What one decoder layer's forward keeps for its backward, sized for up to <c>tokens</c> = B·T rows and
/// <c>batchSeqSeq</c> = B·T·T attention entries per head (a smaller batch uses a prefix of each buffer).
/// </summary>
internal sealed class LayerActivations
{
    public LayerActivations(ModelConfig c, int layer, int tokens, long batchSeqSeq)
    {
        int n = tokens, d = c.HiddenSize, inter = c.IntermediateSize;
        if (c.HasQkNorm)
        {
            QProj = new float[n * c.QDim];
            QNormed = new float[n * c.QDim];
            QRstd = new float[n * c.NumAttentionHeads];
            KProj = new float[n * c.KvDim];
            KNormed = new float[n * c.KvDim];
            KRstd = new float[n * c.NumKeyValueHeads];
        }
        // A sparse layer has no dense MLP: its experts keep their activations in Moe instead.
        if (c.IsSparseLayer(layer))
        {
            Moe = new MoeActivations(c, tokens);
            inter = 0;
        }
        Normed1 = new float[n * d];
        Norm1Out = new float[n * d];
        Rstd1 = new float[n];
        QRotated = new float[n * c.QDim];
        KRotated = new float[n * c.KvDim];
        V = new float[n * c.KvDim];
        long probs = batchSeqSeq * c.NumAttentionHeads;
        if (probs > Array.MaxLength) throw new ArgumentException($"attention probabilities B·T·T·H = {probs} do not fit one array");
        Probs32 = new float[probs];
        AttnOut = new float[n * c.QDim];
        Mid = new float[n * d];
        Normed2 = new float[n * d];
        Norm2Out = new float[n * d];
        Rstd2 = new float[n];
        Gate = new float[n * inter];
        Up = new float[n * inter];
        Activated = new float[n * inter];
        Hidden = new float[n * inter];
    }

    public float[] Normed1 { get; }
    /// <summary>qwen3 q/k norm (empty otherwise): projection outputs (the norm's input), rounded h, FP32 rstd per head row.</summary>
    public float[] QProj { get; } = [];
    public float[] QNormed { get; } = [];
    public float[] QRstd { get; } = [];
    public float[] KProj { get; } = [];
    public float[] KNormed { get; } = [];
    public float[] KRstd { get; } = [];
    /// <summary>Router and expert activations of a sparse (MoE) layer; null in a dense layer.</summary>
    public MoeActivations? Moe { get; }
    public float[] Norm1Out { get; }
    public float[] Rstd1 { get; }
    public float[] QRotated { get; }
    public float[] KRotated { get; }
    public float[] V { get; }
    /// <summary>[B,Hq,T,T] attention probabilities in FP32 (the dtype ones are re-rounded from these).</summary>
    public float[] Probs32 { get; }
    public float[] AttnOut { get; }
    /// <summary>Residual stream after attention: round(x + o_proj).</summary>
    public float[] Mid { get; }
    public float[] Normed2 { get; }
    public float[] Norm2Out { get; }
    public float[] Rstd2 { get; }
    public float[] Gate { get; }
    public float[] Up { get; }
    public float[] Activated { get; }
    /// <summary>round(silu(g)·u), the down projection's input.</summary>
    public float[] Hidden { get; }
}
