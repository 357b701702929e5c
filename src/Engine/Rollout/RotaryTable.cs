using Precision.Orleans.Abstractions;
using Precision.Orleans.Engine.Numerics;

namespace Precision.Orleans.Engine.Rollout;

/// <summary>
/// cos/sin of the rotary angles pos · inv_freq[i], inv_freq[i] = theta^(-2i/hd) (HF Llama/Qwen2),
/// one row of hd/2 values per position; grown on demand and reused across Generate calls.
/// Computed in FP32 and then stored in <paramref name="cacheDType"/>: vLLM keeps its cos_sin_cache in
/// the model dtype, so a 16-bit rollout engine rotates with 16-bit cos/sin.
/// </summary>
internal sealed class RotaryTable(int headDim, float theta, DType cacheDType = DType.Fp32)
{
    private readonly float[] _inverseFrequency = BuildInverseFrequency(headDim, theta);
    private float[] _cos = [];
    private float[] _sin = [];

    public int Half => headDim / 2;
    public int Positions { get; private set; }

    public void EnsurePositions(int positions)
    {
        if (positions <= Positions) return;
        int half = Half;
        _cos = new float[positions * half];
        _sin = new float[positions * half];
        for (int p = 0; p < positions; p++)
            for (int i = 0; i < half; i++)
            {
                // As HF: the angle is an FP32 product of the FP32 position and FP32 frequency.
                float angle = p * _inverseFrequency[i];
                _cos[p * half + i] = MathF.Cos(angle);
                _sin[p * half + i] = MathF.Sin(angle);
            }
        DTypeRounding.RoundInPlace(_cos, cacheDType);
        DTypeRounding.RoundInPlace(_sin, cacheDType);
        Positions = positions;
    }

    public ReadOnlySpan<float> Cos(int position) => _cos.AsSpan(position * Half, Half);
    public ReadOnlySpan<float> Sin(int position) => _sin.AsSpan(position * Half, Half);

    private static float[] BuildInverseFrequency(int headDim, float theta)
    {
        var f = new float[headDim / 2];
        // As HF: 1 / theta^(2i/hd) evaluated in FP32 (torch computes the power and reciprocal in float32).
        for (int i = 0; i < f.Length; i++) f[i] = 1f / MathF.Pow(theta, 2 * i / (float)headDim);
        return f;
    }
}
