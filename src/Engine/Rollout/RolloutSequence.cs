using Precision.Orleans.Abstractions;
using Precision.Orleans.Engine.Model;

namespace Precision.Orleans.Engine.Rollout;

/// <summary>
/// One generated response. <see cref="LogProbs"/>[i] is μ(Tokens[i] | prompt, Tokens[..i]): the
/// rollout engine's log-probability of the sampled token under the temperature-scaled distribution
/// (before top-p / top-k truncation; with temperature 0 the untempered distribution).
/// </summary>
public sealed record RolloutSequence(int[] PromptTokens, int[] Tokens, float[] LogProbs, FinishReason Finish)
{
    /// <summary>Prompt followed by response, as the training engine re-scores it.</summary>
    public int[] FullSequence() => [.. PromptTokens, .. Tokens];

    /// <summary>
    /// For MoE models, the experts the rollout engine routed each fed token to (positions 0 … prompt + response − 2,
    /// i.e. every token whose output was computed); null for dense models.
    /// </summary>
    public ExpertRouting? Routing { get; init; }
}
