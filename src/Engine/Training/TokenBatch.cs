namespace Precision.Orleans.Engine.Training;

/// <summary>
/// A padded batch of whole sequences for the training engine: B rows of T tokens, right-padded.
/// <para>
/// Position t of row b predicts token t from tokens &lt; t, so <see cref="TargetMask"/>[b,t] = 1 marks
/// the tokens whose log-probability counts (e.g. the response, not the prompt); position 0 and
/// padding are always 0.
/// </para>
/// </summary>
public sealed class TokenBatch
{
    public int BatchSize { get; }
    public int SeqLen { get; }

    /// <summary>[B*T] token ids; padding is <see cref="PadToken"/>.</summary>
    public int[] Tokens { get; }

    /// <summary>[B*T] 1 where the token at that position is a target, else 0.</summary>
    public float[] TargetMask { get; }

    /// <summary>[B] number of real (non-padding) tokens per row.</summary>
    public int[] Lengths { get; }

    public const int PadToken = 0;

    public TokenBatch(int batchSize, int seqLen, int[] tokens, float[] targetMask, int[] lengths)
    {
        if (batchSize <= 0 || seqLen <= 0) throw new ArgumentException($"batch shape must be positive, got B={batchSize} T={seqLen}");
        if (tokens.Length != batchSize * seqLen) throw new ArgumentException($"tokens has {tokens.Length} entries, expected B*T={batchSize * seqLen}");
        if (targetMask.Length != batchSize * seqLen) throw new ArgumentException($"targetMask has {targetMask.Length} entries, expected B*T={batchSize * seqLen}");
        if (lengths.Length != batchSize) throw new ArgumentException($"lengths has {lengths.Length} entries, expected B={batchSize}");
        BatchSize = batchSize;
        SeqLen = seqLen;
        Tokens = tokens;
        TargetMask = targetMask;
        Lengths = lengths;
    }

    /// <summary>
    /// Pads whole sequences to the longest. Targets are positions <c>targetStart[b] .. len-1</c>
    /// (default 1: every token after the first).
    /// </summary>
    public static TokenBatch FromSequences(IReadOnlyList<int[]> sequences, IReadOnlyList<int>? targetStart = null)
    {
        if (sequences.Count == 0) throw new ArgumentException("no sequences");
        int b = sequences.Count, t = sequences.Max(s => s.Length);
        if (t == 0) throw new ArgumentException("all sequences are empty");
        var tokens = new int[b * t];
        var mask = new float[b * t];
        var lengths = new int[b];
        for (int i = 0; i < b; i++)
        {
            var s = sequences[i];
            s.CopyTo(tokens, i * t);
            lengths[i] = s.Length;
            int start = Math.Max(1, targetStart?[i] ?? 1);
            for (int p = start; p < s.Length; p++) mask[i * t + p] = 1f;
        }
        return new TokenBatch(b, t, tokens, mask, lengths);
    }
}
