namespace Precision.Orleans.Engine.Lora;

/// <summary>How the rollout engine applies a LoRA adapter.</summary>
public enum LoraRolloutMode
{
    /// <summary>W' = W + (alpha/r)·B·A computed in FP32, then stored in the dtype (one weight per linear).</summary>
    Merged,

    /// <summary>The base stays in the dtype; each adapted linear adds (alpha/r)·x·Aᵀ·Bᵀ on the fly (vLLM/punica-style).</summary>
    Unmerged,
}
