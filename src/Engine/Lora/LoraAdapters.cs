namespace Precision.Orleans.Engine.Lora;

/// <summary>
/// The trainable state of a LoRA run inside the training engine: FP32 master adapters and their FP32 gradients
/// (scaled by the loss scale until the optimizer step unscales them), both in <see cref="Layout"/>.
/// </summary>
public sealed class LoraAdapters
{
    public LoraAdapters(LoraLayout layout, float[]? weights = null, int seed = 0)
    {
        Layout = layout;
        if (weights is not null && weights.Length != layout.TotalCount)
            throw new ArgumentException($"adapter weights have {weights.Length} elements, the LoRA layout needs {layout.TotalCount}");
        Weights = weights ?? new float[layout.TotalCount];
        if (weights is null) layout.InitializePeft(Weights, seed);
        Gradients = new float[layout.TotalCount];
    }

    public LoraLayout Layout { get; }

    /// <summary>FP32 master adapters (lora_A / lora_B of every target), one contiguous buffer.</summary>
    public float[] Weights { get; }

    /// <summary>FP32 adapter gradients.</summary>
    public float[] Gradients { get; }
}
