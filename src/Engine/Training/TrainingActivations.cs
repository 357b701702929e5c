using Precision.Orleans.Engine.Model;

namespace Precision.Orleans.Engine.Training;

/// <summary>
/// Every buffer a forward + backward needs, allocated once for a capacity (B·T tokens, B·T·T attention entries,
/// T positions) and reused by every batch that fits: RL batches change shape every step, and reallocating
/// hundreds of megabytes per step would cost more than the step. A batch uses a prefix of each buffer.
/// </summary>
internal sealed class TrainingActivations
{
    public TrainingActivations(ModelConfig c, int tokens, long batchSeqSeq, int seqLen)
    {
        CapacityTokens = tokens;
        CapacityBatchSeqSeq = batchSeqSeq;
        CapacitySeqLen = seqLen;
        int n = tokens, d = c.HiddenSize, inter = c.IntermediateSize;
        long logits = (long)n * c.VocabSize;
        if (logits > Array.MaxLength) throw new ArgumentException($"logits for B*T={n} and vocab {c.VocabSize} do not fit one array");
        Residual = new float[c.NumHiddenLayers + 1][];
        for (int l = 0; l <= c.NumHiddenLayers; l++) Residual[l] = new float[n * d];
        Layers = new LayerActivations[c.NumHiddenLayers];
        for (int l = 0; l < c.NumHiddenLayers; l++) Layers[l] = new LayerActivations(c, l, tokens, batchSeqSeq);
        Targets = new int[n];
        FinalNormed = new float[n * d];
        FinalOut = new float[n * d];
        FinalRstd = new float[n];
        Logits = new float[logits];
        LogSumExp = new float[n];
        LogProbsByRow = new float[n];
        RopeCos = new float[seqLen * c.HeadDim];
        RopeSin = new float[seqLen * c.HeadDim];
        ProjScratch = new float[n * Math.Max(c.QDim, d)];
        DResidual = new float[n * d];
        DNorm = new float[n * d];
        DQ = new float[n * c.QDim];
        DQRotated = new float[n * c.QDim];
        DK = new float[n * c.KvDim];
        DKRotated = new float[n * c.KvDim];
        DV = new float[n * c.KvDim];
        DAttnOut = new float[n * c.QDim];
        DGate = new float[n * inter];
        DUp = new float[n * inter];
        DHidden = new float[n * inter];
        DLogProbsScaled = new float[n];
        if (c.IsMoe)
        {
            Moe = new MoeScratch(c, n);
            RowValid = new float[n];
            AuxGradient = new float[c.NumExperts];
        }
    }

    public int CapacityTokens { get; }
    public long CapacityBatchSeqSeq { get; }
    public int CapacitySeqLen { get; }

    /// <summary>Shape of the batch the buffers currently hold; 0 before the first use.</summary>
    public int Batch { get; private set; }
    public int SeqLen { get; private set; }
    public int Tokens => Batch * SeqLen;

    public bool Fits(int batch, int seqLen) =>
        (long)batch * seqLen <= CapacityTokens && (long)batch * seqLen * seqLen <= CapacityBatchSeqSeq && seqLen <= CapacitySeqLen;

    /// <summary>Switches to a new batch shape; true when the position-dependent RoPE tables must be rebuilt.</summary>
    public bool UseShape(int batch, int seqLen)
    {
        if (!Fits(batch, seqLen)) throw new InvalidOperationException($"B={batch} T={seqLen} exceeds the activation capacity");
        bool newSeqLen = seqLen != SeqLen;
        Batch = batch;
        SeqLen = seqLen;
        return newSeqLen;
    }

    /// <summary>Residual[0] = embeddings, Residual[l+1] = output of layer l.</summary>
    public float[][] Residual { get; }
    public LayerActivations[] Layers { get; }

    /// <summary>Target token of each logits row (the next token of the same sequence), −1 where there is none.</summary>
    public int[] Targets { get; }
    public float[] FinalNormed { get; }
    public float[] FinalOut { get; }
    public float[] FinalRstd { get; }
    /// <summary>[N, V] logits; overwritten with dlogits by the backward.</summary>
    public float[] Logits { get; }
    public float[] LogSumExp { get; }
    /// <summary>log p of each logits row's target (row r of position t predicts position t+1).</summary>
    public float[] LogProbsByRow { get; }
    public float[] RopeCos { get; }
    public float[] RopeSin { get; }
    /// <summary>Pre-RoPE q/k and projection outputs before a residual add.</summary>
    public float[] ProjScratch { get; }

    public float[] DResidual { get; }
    public float[] DNorm { get; }
    public float[] DQ { get; }
    public float[] DQRotated { get; }
    public float[] DK { get; }
    public float[] DKRotated { get; }
    public float[] DV { get; }
    public float[] DAttnOut { get; }
    public float[] DGate { get; }
    public float[] DUp { get; }
    public float[] DHidden { get; }
    public float[] DLogProbsScaled { get; }

    /// <summary>MoE models: the experts' backward buffers, shared by the sparse layers; null for dense models.</summary>
    public MoeScratch? Moe { get; }
    /// <summary>MoE models: 1 for a real token, 0 for padding (the load-balancing loss counts real tokens only).</summary>
    public float[] RowValid { get; } = [];
    /// <summary>MoE models: d(coef·load-balancing loss)/dp_e of every real token (unscaled); all zero when the loss is off.</summary>
    public float[] AuxGradient { get; } = [];
}
