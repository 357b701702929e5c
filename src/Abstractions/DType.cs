namespace Precision.Orleans.Abstractions;

/// <summary>
/// The floating-point format an engine computes in. Storage of activations, weights cast for compute,
/// the KV cache and every op's output are rounded to it (round-to-nearest-even); accumulation inside
/// matrix products is always FP32, as on tensor cores.
/// </summary>
public enum DType
{
    /// <summary>IEEE single precision: rounds nothing.</summary>
    Fp32 = 0,

    /// <summary>bfloat16: 8 exponent bits, 7 mantissa bits (FP32's range, 2^-8 relative precision).</summary>
    Bf16 = 1,

    /// <summary>IEEE half: 5 exponent bits, 10 mantissa bits (max 65504, 2^-11 relative precision).</summary>
    Fp16 = 2,
}
