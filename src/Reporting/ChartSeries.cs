namespace Precision.Orleans.Reporting;

/// <summary>One named set of points of a chart; <see cref="Color"/> null picks the next palette colour.</summary>
public sealed record ChartSeries(string Name, IReadOnlyList<double> X, IReadOnlyList<double> Y, string? Color = null)
{
    public ChartSeries Validate()
    {
        if (X.Count != Y.Count) throw new ArgumentException($"chart series '{Name}': {X.Count} x values but {Y.Count} y values");
        return this;
    }
}
