namespace Precision.Orleans.Engine.Rollout;

/// <summary>A sequence occupying a batch slot: its prompt, what it has generated, and how far it has been fed.</summary>
internal sealed class ActiveSequence(int index, int[] prompt, int maxNewTokens)
{
    /// <summary>Position of the sequence in the Generate call (keys its random stream).</summary>
    public int Index { get; } = index;

    public int[] Prompt { get; } = prompt;

    /// <summary>New tokens allowed: MaxNewTokens, clipped so prompt + response fits the model context.</summary>
    public int MaxNewTokens { get; } = maxNewTokens;

    public int[] Tokens { get; } = new int[maxNewTokens];
    public float[] LogProbs { get; } = new float[maxNewTokens];
    public int Generated { get; private set; }

    /// <summary>Tokens already fed through the model = position of the next token to feed.</summary>
    public int Fed { get; private set; }

    /// <summary>Prompt tokens not fed yet.</summary>
    public int PendingPromptTokens => Math.Max(0, Prompt.Length - Fed);

    /// <summary>The token at a position of prompt + response.</summary>
    public int TokenAt(int position) => position < Prompt.Length ? Prompt[position] : Tokens[position - Prompt.Length];

    /// <summary>Whether the logits at this position pick the next token (the last prompt token and every generated one).</summary>
    public bool SamplesAt(int position) => position >= Prompt.Length - 1;

    public void MarkFed() => Fed++;

    public void Append(int token, float logProb)
    {
        Tokens[Generated] = token;
        LogProbs[Generated] = logProb;
        Generated++;
    }

    public RolloutSequence ToResult(FinishReason finish) =>
        new(Prompt, Tokens[..Generated], LogProbs[..Generated], finish);
}
