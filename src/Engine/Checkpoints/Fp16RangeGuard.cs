using Precision.Orleans.Abstractions;

namespace Precision.Orleans.Engine.Checkpoints;

/// <summary>
/// Checks FP32 master weights that an engine will cast to FP16. The masters themselves stay FP32 (so a bf16 run and
/// an fp16 run of one experiment start from the same policy), but a value beyond FP16's range would become ±inf in
/// the FP16 copy: the user's policy refuses the load (naming the worst tensors) or clamps those values to ±65504.
/// Underflow and subnormals are only reported — they are what FP16 rounding does anyway.
/// </summary>
public static class Fp16RangeGuard
{
    /// <summary>Measures <paramref name="checkpoint"/>'s weights and applies <paramref name="policy"/> in place.</summary>
    /// <param name="source">Names the checkpoint in the refusal (its directory).</param>
    public static Fp16RangeReport Apply(LoadedCheckpoint checkpoint, Fp16RangePolicy policy, string source)
    {
        var counts = new List<Fp16RangeCounts>(checkpoint.Layout.Parameters.Count);
        foreach (var p in checkpoint.Layout.Parameters)
            counts.Add(Fp16RangeCounts.Empty(p.Name).Add(checkpoint.Weights.AsSpan((int)p.Offset, (int)p.Count)));
        var report = new Fp16RangeReport(counts) { AppliedPolicy = policy };
        if (!report.Total.HasOverflow) return report;
        if (policy == Fp16RangePolicy.Refuse) throw report.Refusal(source);
        foreach (ref float x in checkpoint.Weights.AsSpan())
            if (MathF.Abs(x) > Fp16RangeCounts.Fp16Max) x = MathF.CopySign(Fp16RangeCounts.Fp16Max, x);
        return report;
    }

    /// <summary>
    /// Loads <paramref name="directory"/> for engines running in <paramref name="dtypes"/>: when any is fp16 the
    /// weights pass through <see cref="Apply"/> and the report is on the result's <see cref="LoadedCheckpoint.Fp16Range"/>.
    /// </summary>
    public static LoadedCheckpoint LoadFor(string directory, IEnumerable<DType> dtypes, Fp16RangePolicy policy)
    {
        var checkpoint = ModelCheckpoint.Load(directory);
        return dtypes.Contains(DType.Fp16) ? checkpoint with { Fp16Range = Apply(checkpoint, policy, directory) } : checkpoint;
    }
}
