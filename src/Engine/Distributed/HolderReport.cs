namespace Precision.Orleans.Engine.Distributed;

/// <summary>One gradient holder's answer to "did your gradients hold inf/NaN?" for a step: a gradient worker (its micro-batch gradients) or a parameter shard (its summed slice).</summary>
public readonly record struct HolderReport(string Holder, bool Overflow);
