using Precision.Orleans.Engine.Model;

namespace Precision.Orleans.Engine.Training;

/// <summary>
/// Every buffer a forward + backward needs for one (B, T) shape, allocated once and reused while the shape repeats.
/// </summary>
internal sealed class TrainingActivations
{
    public TrainingActivations(ModelConfig c, int batch, int seqLen)
    {
        Batch = batch;
        SeqLen = seqLen;
        int n = batch * seqLen, d = c.HiddenSize, inter = c.IntermediateSize;
        long logits = (long)n * c.VocabSize;
        if (logits > Array.MaxLength) throw new ArgumentException($"logits for B*T={n} and vocab {c.VocabSize} do not fit one array");
        Residual = new float[c.NumHiddenLayers + 1][];
        for (int l = 0; l <= c.NumHiddenLayers; l++) Residual[l] = new float[n * d];
        Layers = new LayerActivations[c.NumHiddenLayers];
        for (int l = 0; l < c.NumHiddenLayers; l++) Layers[l] = new LayerActivations(c, batch, seqLen);
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
    }

    public int Batch { get; }
    public int SeqLen { get; }

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
}
