using Precision.Orleans.RL.Spec;

namespace Precision.Orleans.RL.Experiments;

/// <summary>
/// One value of a grid's <c>variants</c> axis: a named way of fine-tuning that overrides the base spec, e.g.
/// full fine-tuning (<c>full: {}</c>) against LoRA with its own learning rate (<c>lora-r8: {lora: {rank: 8, alpha: 16}, lr: 1e-3}</c>).
/// </summary>
/// <param name="Name">Prefix of the cell names (letters, digits, '-', '_').</param>
/// <param name="Lora">The cell's <c>lora</c> section; null = full fine-tuning (the base spec's own <c>lora</c> is removed).</param>
/// <param name="LearningRate">The cell's <c>optimizer.lr</c>; null = the base spec's.</param>
public sealed record GridVariant(string Name, LoraSpec? Lora, float? LearningRate)
{
    /// <summary>The base spec with this variant's overrides.</summary>
    public RunSpec Apply(RunSpec spec) => spec with
    {
        Lora = Lora,
        Optimizer = LearningRate is { } lr ? spec.Optimizer with { LearningRate = lr } : spec.Optimizer,
    };
}
