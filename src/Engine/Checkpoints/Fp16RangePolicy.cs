namespace Precision.Orleans.Engine.Checkpoints;

/// <summary>What loading does when weights converted to FP16 fall outside FP16's range.</summary>
public enum Fp16RangePolicy
{
    /// <summary>Any value with |x| &gt; 65504 (FP16's largest finite) fails the load, naming the worst tensors. The default.</summary>
    Refuse,

    /// <summary>Overflowing values are clamped to ±65504 and the load goes on; the report says how many.</summary>
    Clamp,
}
