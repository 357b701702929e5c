namespace Precision.Orleans.Reporting;

/// <summary>Everything a chart needs: title, axes, series, size, and whether to draw the y = x diagonal.</summary>
public sealed record ChartSpec
{
    public string Title { get; init; } = "";
    public AxisOptions XAxis { get; init; } = new();
    public AxisOptions YAxis { get; init; } = new();
    public IReadOnlyList<ChartSeries> Series { get; init; } = [];
    public int Width { get; init; } = 520;
    public int Height { get; init; } = 380;

    /// <summary>Draws y = x across the plot (π against μ: points on it are engines that agree).</summary>
    public bool Diagonal { get; init; }

    /// <summary>Draws the horizontal line y = 0 when it is inside the range.</summary>
    public bool ZeroLine { get; init; }

    /// <summary>Scatter marker radius in pixels.</summary>
    public double MarkerRadius { get; init; } = 2.2;

    /// <summary>Scatter marker opacity, lower for dense clouds.</summary>
    public double MarkerOpacity { get; init; } = 0.55;
}
