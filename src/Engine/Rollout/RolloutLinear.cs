namespace Precision.Orleans.Engine.Rollout;

/// <summary>The rollout engine's (merged) linears of a decoder layer that an unmerged adapter can feed into.</summary>
internal enum RolloutLinear
{
    Qkv,
    OProj,
    GateUp,
    Down,
}
