using ILGPU;

namespace Precision.Orleans.Engine.Gpu.Kernels;

/// <summary>
/// The dtype rounding of <see cref="Numerics.DTypeRounding"/> written with integer bit operations only, so a kernel
/// rounds exactly as the CPU engine does on any accelerator (no reliance on a device's half conversion). Dtype codes
/// are <see cref="Abstractions.DType"/>'s values: 0 fp32, 1 bf16, 2 fp16.
/// </summary>
public static class DeviceNumerics
{
    public const int Fp32 = 0, Bf16 = 1, Fp16 = 2;

    /// <summary>RNE to bf16; NaN stays a quiet NaN (as <c>DTypeRounding.RoundBf16</c>).</summary>
    public static float RoundBf16(float x)
    {
        uint bits = (uint)Interop.FloatAsInt(x);
        if ((bits & 0x7FFF_FFFFu) > 0x7F80_0000u) return Interop.IntAsFloat(bits | 0x0040_0000u);
        bits += 0x7FFFu + ((bits >> 16) & 1u);
        return Interop.IntAsFloat(bits & 0xFFFF_0000u);
    }

    /// <summary>
    /// RNE to IEEE half, bit-identical to <c>(float)(Half)x</c>: the normal range rounds the FP32 mantissa to 10 bits
    /// (≥ 65520 becomes inf); below 2^-14, (|x| + 0.5) − 0.5 lands on a multiple of 2^-24; NaN keeps its top payload bits.
    /// </summary>
    public static float RoundFp16(float x)
    {
        uint bits = (uint)Interop.FloatAsInt(x);
        uint abs = bits & 0x7FFF_FFFFu, r;
        if (abs > 0x7F80_0000u) r = (abs | 0x0040_0000u) & 0xFFFF_E000u;
        else if (abs < 0x3880_0000u)
        {
            float a = Interop.IntAsFloat(abs);
            float shifted = a + 0.5f;
            r = (uint)Interop.FloatAsInt(shifted - 0.5f);
        }
        else
        {
            r = (abs + 0x0FFFu + ((abs >> 13) & 1u)) & 0xFFFF_E000u;
            if (r >= 0x4780_0000u) r = 0x7F80_0000u;
        }
        return Interop.IntAsFloat(r | (bits & 0x8000_0000u));
    }

    public static float Round(float x, int dtype) => dtype == Bf16 ? RoundBf16(x) : dtype == Fp16 ? RoundFp16(x) : x;

    /// <summary>16-bit storage bits → FP32, exact (bf16: the high half; fp16: IEEE half decoded with integer ops).</summary>
    public static float Widen(ushort bits, int dtype)
    {
        if (dtype == Bf16) return Interop.IntAsFloat((uint)bits << 16);
        uint sign = ((uint)bits & 0x8000u) << 16, exponent = ((uint)bits >> 10) & 0x1Fu, mantissa = (uint)bits & 0x3FFu;
        // inf, or a NaN made quiet as the CPU's half conversion does
        if (exponent == 0x1Fu) return Interop.IntAsFloat(sign | 0x7F80_0000u | (mantissa != 0 ? 0x0040_0000u | (mantissa << 13) : 0u));
        if (exponent != 0) return Interop.IntAsFloat(sign | ((exponent + 112u) << 23) | (mantissa << 13));
        // subnormal: mantissa · 2^-24, exact in FP32
        float magnitude = mantissa * 5.9604644775390625e-8f;
        return Interop.IntAsFloat(sign | (uint)Interop.FloatAsInt(magnitude));
    }

    /// <summary>silu(g) = g / (1 + e^-g), as the CPU engine writes it.</summary>
    public static float Silu(float g) => g / (MathF.Exp(-g) + 1f);

    public static bool IsFinite(float x) => ((uint)Interop.FloatAsInt(x) & 0x7F80_0000u) != 0x7F80_0000u;
}
