using Precision.Orleans.Abstractions;
using Precision.Orleans.Engine.Model;

namespace Precision.Orleans.Engine.Rollout;

/// <summary>A sequence occupying a batch slot: its prompt, what it has generated, and how far it has been fed.</summary>
internal sealed class ActiveSequence(int index, int[] prompt, int maxNewTokens, ModelConfig config)
{
    /// <summary>Position of the sequence in the Generate call (keys its random stream).</summary>
    public int Index { get; } = index;

    public int[] Prompt { get; } = prompt;

    /// <summary>New tokens allowed: MaxNewTokens, clipped so prompt + response fits the model context.</summary>
    public int MaxNewTokens { get; } = maxNewTokens;

    public int[] Tokens { get; } = new int[maxNewTokens];
    public float[] LogProbs { get; } = new float[maxNewTokens];
    public int Generated { get; private set; }

    /// <summary>
    /// Expert choices of every position that can be fed (prompt + MaxNewTokens − 1: the last sampled token is never
    /// fed); trimmed to the fed positions in <see cref="ToResult"/>. Null for dense models.
    /// </summary>
    public ExpertRouting? Routing { get; } = config.IsMoe
        ? new ExpertRouting(MoeLayerCount(config), config.NumExpertsPerToken, prompt.Length + maxNewTokens - 1)
        : null;

    public static int MoeLayerCount(ModelConfig config) =>
        Enumerable.Range(0, config.NumHiddenLayers).Count(config.IsSparseLayer);

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
        new(Prompt, Tokens[..Generated], LogProbs[..Generated], finish) { Routing = TrimmedRouting() };

    /// <summary>The routing of the positions actually fed: 0 … prompt + generated − 2.</summary>
    private ExpertRouting? TrimmedRouting()
    {
        if (Routing is null) return null;
        var trimmed = new ExpertRouting(Routing.MoeLayers, Routing.TopK, Prompt.Length + Generated - 1);
        for (int l = 0; l < Routing.MoeLayers; l++)
            for (int p = 0; p < trimmed.Positions; p++) Routing.At(l, p).CopyTo(trimmed.At(l, p));
        return trimmed;
    }
}
