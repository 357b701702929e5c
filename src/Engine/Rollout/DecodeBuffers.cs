using Precision.Orleans.Engine.Model;

namespace Precision.Orleans.Engine.Rollout;

/// <summary>
/// Every activation buffer of one decode step, sized for <see cref="Rows"/> token rows (decode tokens
/// plus prompt-chunk tokens) and <see cref="SampleCapacity"/> sampling rows (one per sequence), allocated
/// once and reused across steps and Generate calls so the decode loop allocates nothing per token.
/// </summary>
internal sealed class DecodeBuffers
{
    public int Rows { get; }
    public int SampleCapacity { get; }

    /// <summary>Sublayer output (embedding, attention o_proj, MLP down) [rows, D].</summary>
    public float[] Hidden { get; }

    /// <summary>Residual stream in the dtype [rows, D].</summary>
    public float[] Residual { get; }

    /// <summary>Normed input of the next linear [rows, D].</summary>
    public float[] Normed { get; }

    public float[] Qkv { get; }
    public float[] Attention { get; }
    public float[] GateUp { get; }
    public float[] Activation { get; }

    /// <summary>Scratch of the MoE block; null for a dense model.</summary>
    public MoeBuffers? Moe { get; }

    /// <summary>
    /// Where each row's expert choices are recorded (its sequence's routing; the row's position is the index);
    /// null entries, and a null array for dense models, record nothing.
    /// </summary>
    public ExpertRouting?[]? RowRouting { get; }

    /// <summary>Final-normed rows that need logits, gathered contiguously [rows, D].</summary>
    public float[] SampleInput { get; }

    public float[] Logits { get; }
    public float[] Probabilities { get; }
    public ulong[] SortKeys { get; }

    public int[] Tokens { get; }
    public int[] Positions { get; }
    public int[] Slots { get; }

    /// <summary>Rows (by index) that sample this step, in order; <see cref="SampleCount"/> are valid.</summary>
    public int[] SampleRows { get; }

    /// <summary>[sample rows] the uniform each sampled row draws with.</summary>
    public double[] Uniforms { get; }

    public int[] SampledTokens { get; }
    public float[] SampledLogProbs { get; }

    public DecodeBuffers(ModelConfig c, int rows, int sampleCapacity)
    {
        Rows = rows;
        SampleCapacity = sampleCapacity;
        int s = sampleCapacity;
        int d = c.HiddenSize, v = c.VocabSize;
        Hidden = new float[rows * d];
        Residual = new float[rows * d];
        Normed = new float[rows * d];
        Qkv = new float[rows * (c.QDim + 2 * c.KvDim)];
        Attention = new float[rows * c.QDim];
        GateUp = new float[rows * 2 * c.IntermediateSize];
        Activation = new float[rows * c.IntermediateSize];
        if (c.IsMoe)
        {
            Moe = new MoeBuffers(c, rows);
            RowRouting = new ExpertRouting?[rows];
        }
        SampleInput = new float[s * d];
        Logits = new float[(long)s * v];
        Probabilities = new float[(long)s * v];
        SortKeys = new ulong[(long)s * v];
        Tokens = new int[rows];
        Positions = new int[rows];
        Slots = new int[rows];
        SampleRows = new int[s];
        Uniforms = new double[s];
        SampledTokens = new int[s];
        SampledLogProbs = new float[s];
    }
}
