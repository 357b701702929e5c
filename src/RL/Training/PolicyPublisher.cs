using Precision.Orleans.Abstractions;
using Precision.Orleans.Engine.Experts;
using Precision.Orleans.Engine.Lora;
using Precision.Orleans.Engine.Rollout;
using Precision.Orleans.Engine.Training;
using Precision.Orleans.RL.Spec;

namespace Precision.Orleans.RL.Training;

/// <summary>
/// Weight sync of the trained policy to the rollout engine: the FP32 masters for full fine-tuning, or the frozen base
/// plus the FP32 adapters (merged or unmerged, as the spec's <c>lora.rollout</c> says) for a LoRA run. With
/// <paramref name="experts"/> (expert-parallel rollout, full fine-tuning only) the expert owners get the same version.
/// </summary>
internal sealed class PolicyPublisher(TrainingEngine engine, RolloutEngine rollout, LoraSpec? lora, InProcessExpertGroup? experts = null)
{
    private readonly LoraRolloutMode _mode = lora?.Rollout == "unmerged" ? LoraRolloutMode.Unmerged : LoraRolloutMode.Merged;

    public WeightVersion Publish(long version)
    {
        if (engine.Adapters is { } adapters) return WeightSync.Publish(engine.MasterWeights, adapters.Layout, adapters.Weights, _mode, version, rollout);
        experts?.Load(engine.MasterWeights, version);
        return WeightSync.Publish(engine.MasterWeights, version, rollout);
    }
}
