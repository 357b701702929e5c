namespace Precision.Orleans.Engine.Checkpoints;

/// <summary>
/// How the values of one tensor (or of a whole model) fare when rounded to FP16 (round-to-nearest-even).
/// <see cref="Overflow"/>: |x| &gt; 65504, FP16's largest finite (non-finite inputs count here too).
/// <see cref="Underflow"/>: 0 &lt; |x| ≤ 2^-25, which rounds to zero (2^-25 itself is a tie and goes to the even zero).
/// <see cref="Subnormal"/>: 2^-25 &lt; |x| &lt; 2^-14, kept but with fewer than 11 significant bits.
/// </summary>
public sealed record Fp16RangeCounts(string Tensor, long Elements, long Overflow, long Underflow, long Subnormal, double MaxAbs)
{
    public const float Fp16Max = 65504f;
    public static readonly float UnderflowLimit = MathF.Pow(2, -25);
    public static readonly float SubnormalLimit = MathF.Pow(2, -14);

    public bool HasOverflow => Overflow > 0;

    /// <summary>Counts one span of values (FP32, as decoded from the file) and returns the counts added to this one.</summary>
    public Fp16RangeCounts Add(ReadOnlySpan<float> values)
    {
        long over = 0, under = 0, sub = 0;
        float max = 0;
        float ul = UnderflowLimit, sl = SubnormalLimit;
        foreach (float x in values)
        {
            float a = MathF.Abs(x);
            if (!(a <= Fp16Max)) over++; // NaN and infinities land here too
            else if (a < sl && a != 0)
            {
                if (a <= ul) under++;
                else sub++;
            }
            if (a > max) max = a;
        }
        return this with
        {
            Elements = Elements + values.Length, Overflow = Overflow + over, Underflow = Underflow + under,
            Subnormal = Subnormal + sub, MaxAbs = Math.Max(MaxAbs, max),
        };
    }

    public static Fp16RangeCounts Empty(string tensor) => new(tensor, 0, 0, 0, 0, 0);
}
