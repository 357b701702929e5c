namespace Precision.Orleans.Engine.Checkpoints;

/// <summary>
/// Per-tensor and total FP16 range counts for a checkpoint (the question users ask of the paper: does this
/// BF16 model fit in FP16?). Built while loading with a FP16 target, or by <c>precision inspect</c>.
/// </summary>
public sealed class Fp16RangeReport
{
    public IReadOnlyList<Fp16RangeCounts> Tensors { get; }
    public Fp16RangeCounts Total { get; }

    /// <summary>The policy applied when the weights were converted; null when the report was only measured.</summary>
    public Fp16RangePolicy? AppliedPolicy { get; init; }

    public Fp16RangeReport(IReadOnlyList<Fp16RangeCounts> tensors)
    {
        Tensors = tensors;
        Total = tensors.Aggregate(Fp16RangeCounts.Empty("(total)"), (a, t) => a with
        {
            Elements = a.Elements + t.Elements, Overflow = a.Overflow + t.Overflow, Underflow = a.Underflow + t.Underflow,
            Subnormal = a.Subnormal + t.Subnormal, MaxAbs = Math.Max(a.MaxAbs, t.MaxAbs),
        });
    }

    /// <summary>Tensors with the most overflowing, then underflowing values.</summary>
    public IEnumerable<Fp16RangeCounts> Worst(int count) =>
        Tensors.Where(t => t.Overflow + t.Underflow > 0)
            .OrderByDescending(t => t.Overflow).ThenByDescending(t => t.Underflow).ThenBy(t => t.Tensor, StringComparer.Ordinal)
            .Take(count);

    public string Summary =>
        $"{Total.Overflow} of {Total.Elements} values overflow FP16 (|x| > 65504), {Total.Underflow} underflow to zero, " +
        $"{Total.Subnormal} become subnormal; largest |x| {Total.MaxAbs:G6}";

    /// <summary>The error a refusing FP16 load throws: the totals and the five worst tensors.</summary>
    public InvalidDataException Refusal(string directory) => new(
        $"checkpoint '{directory}': converting to fp16 would overflow: {Summary}. Worst tensors: " +
        string.Join("; ", Worst(5).Select(t => $"'{t.Tensor}' {t.Overflow} overflow (max |x| {t.MaxAbs:G6})")) +
        ". Load with the clamp policy to clamp them to ±65504, or train in bf16.");
}
