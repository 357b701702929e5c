using System.Globalization;
using System.Net;
using System.Text;

namespace Precision.Orleans.Reporting;

/// <summary>
/// Self-contained SVG charts (no scripts, no external assets) for reports: scatter plots and line
/// charts with several series, ticked axes, a legend, optional log scales and reference lines.
/// </summary>
public static class SvgChart
{
    private const double Left = 64, Right = 16, Top = 34, Bottom = 48;

    public static string Scatter(ChartSpec spec) => Render(spec, lines: false);

    public static string Line(ChartSpec spec) => Render(spec, lines: true);

    private static string Render(ChartSpec spec, bool lines)
    {
        if (spec.Width < 120 || spec.Height < 100) throw new ArgumentException($"chart '{spec.Title}': size {spec.Width}x{spec.Height} is too small (min 120x100)");
        foreach (var s in spec.Series) s.Validate();
        double plotRight = spec.Width - Right, plotBottom = spec.Height - Bottom;
        var x = new AxisScale(spec.XAxis, spec.Series.SelectMany(s => s.X), Left, plotRight);
        var y = new AxisScale(spec.YAxis, spec.Series.SelectMany(s => s.Y), plotBottom, Top);

        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture,
            $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{spec.Width}\" height=\"{spec.Height}\" viewBox=\"0 0 {spec.Width} {spec.Height}\" font-family=\"sans-serif\" font-size=\"11\">");
        sb.Append(CultureInfo.InvariantCulture, $"<rect x=\"0\" y=\"0\" width=\"{spec.Width}\" height=\"{spec.Height}\" fill=\"white\"/>");
        sb.Append(CultureInfo.InvariantCulture, $"<text x=\"{spec.Width / 2.0:0.#}\" y=\"18\" text-anchor=\"middle\" font-size=\"13\" font-weight=\"bold\">{Esc(spec.Title)}</text>");

        // Grid and ticks.
        foreach (double t in x.Ticks())
        {
            double px = x.Map(t);
            sb.Append(CultureInfo.InvariantCulture, $"<line x1=\"{px:0.##}\" y1=\"{Top}\" x2=\"{px:0.##}\" y2=\"{plotBottom}\" stroke=\"#e5e5e5\"/>");
            sb.Append(CultureInfo.InvariantCulture, $"<text x=\"{px:0.##}\" y=\"{plotBottom + 15}\" text-anchor=\"middle\">{Esc(AxisScale.Format(t))}</text>");
        }
        foreach (double t in y.Ticks())
        {
            double py = y.Map(t);
            sb.Append(CultureInfo.InvariantCulture, $"<line x1=\"{Left}\" y1=\"{py:0.##}\" x2=\"{plotRight}\" y2=\"{py:0.##}\" stroke=\"#e5e5e5\"/>");
            sb.Append(CultureInfo.InvariantCulture, $"<text x=\"{Left - 5}\" y=\"{py + 4:0.##}\" text-anchor=\"end\">{Esc(AxisScale.Format(t))}</text>");
        }
        sb.Append(CultureInfo.InvariantCulture, $"<rect x=\"{Left}\" y=\"{Top}\" width=\"{plotRight - Left}\" height=\"{plotBottom - Top}\" fill=\"none\" stroke=\"#444\"/>");
        sb.Append(CultureInfo.InvariantCulture, $"<text x=\"{(Left + plotRight) / 2:0.#}\" y=\"{spec.Height - 10}\" text-anchor=\"middle\">{Esc(spec.XAxis.Label)}</text>");
        sb.Append(CultureInfo.InvariantCulture, $"<text transform=\"translate(14 {(Top + plotBottom) / 2:0.#}) rotate(-90)\" text-anchor=\"middle\">{Esc(spec.YAxis.Label)}</text>");

        // Clip the data to the plot so fixed ranges do not spill over the axes.
        string clipId = "c" + Guid.NewGuid().ToString("N")[..8];
        sb.Append(CultureInfo.InvariantCulture, $"<clipPath id=\"{clipId}\"><rect x=\"{Left}\" y=\"{Top}\" width=\"{plotRight - Left}\" height=\"{plotBottom - Top}\"/></clipPath>");
        sb.Append(CultureInfo.InvariantCulture, $"<g clip-path=\"url(#{clipId})\">");
        if (spec.Diagonal)
        {
            double lo = Math.Max(x.Min, y.Min), hi = Math.Min(x.Max, y.Max);
            if (hi > lo)
                sb.Append(CultureInfo.InvariantCulture, $"<line x1=\"{x.Map(lo):0.##}\" y1=\"{y.Map(lo):0.##}\" x2=\"{x.Map(hi):0.##}\" y2=\"{y.Map(hi):0.##}\" stroke=\"#888\" stroke-dasharray=\"4 3\"/>");
        }
        if (spec.ZeroLine && !spec.YAxis.Log && y.Min < 0 && y.Max > 0)
            sb.Append(CultureInfo.InvariantCulture, $"<line x1=\"{Left}\" y1=\"{y.Map(0):0.##}\" x2=\"{plotRight}\" y2=\"{y.Map(0):0.##}\" stroke=\"#888\" stroke-dasharray=\"4 3\"/>");

        for (int i = 0; i < spec.Series.Count; i++)
        {
            var s = spec.Series[i];
            string color = s.Color ?? Palette.At(i);
            if (lines) AppendPolyline(sb, s, x, y, color);
            else AppendMarkers(sb, s, x, y, color, spec.MarkerRadius, spec.MarkerOpacity);
        }
        sb.Append("</g>");
        AppendLegend(sb, spec, plotRight);
        sb.Append("</svg>");
        return sb.ToString();
    }

    private static void AppendMarkers(StringBuilder sb, ChartSeries s, AxisScale x, AxisScale y, string color, double r, double opacity)
    {
        sb.Append(CultureInfo.InvariantCulture, $"<g fill=\"{Esc(color)}\" fill-opacity=\"{opacity:0.##}\">");
        for (int k = 0; k < s.X.Count; k++)
        {
            double px = x.Map(s.X[k]), py = y.Map(s.Y[k]);
            if (double.IsNaN(px) || double.IsNaN(py)) continue;
            sb.Append(CultureInfo.InvariantCulture, $"<circle cx=\"{px:0.#}\" cy=\"{py:0.#}\" r=\"{r:0.#}\"/>");
        }
        sb.Append("</g>");
    }

    private static void AppendPolyline(StringBuilder sb, ChartSeries s, AxisScale x, AxisScale y, string color)
    {
        // A point that cannot be drawn (NaN, or ≤ 0 on a log axis) breaks the line instead of bridging it.
        var run = new StringBuilder();
        void Flush()
        {
            if (run.Length > 0)
                sb.Append(CultureInfo.InvariantCulture, $"<polyline fill=\"none\" stroke=\"{Esc(color)}\" stroke-width=\"1.6\" points=\"{run.ToString().TrimEnd()}\"/>");
            run.Clear();
        }
        for (int k = 0; k < s.X.Count; k++)
        {
            double px = x.Map(s.X[k]), py = y.Map(s.Y[k]);
            if (double.IsNaN(px) || double.IsNaN(py)) { Flush(); continue; }
            run.Append(CultureInfo.InvariantCulture, $"{px:0.#},{py:0.#} ");
        }
        Flush();
    }

    private static void AppendLegend(StringBuilder sb, ChartSpec spec, double plotRight)
    {
        if (spec.Series.Count < 2 && spec.Series.All(s => string.IsNullOrEmpty(s.Name))) return;
        var named = spec.Series.Where(s => !string.IsNullOrEmpty(s.Name)).ToList();
        // No named series, no legend: an empty box would only hide points.
        if (named.Count == 0) return;
        double longest = named.Max(s => s.Name.Length);
        // Wide enough for the longest name (about 6.5 px a character at the chart's font size), right-aligned in the plot,
        // so a long name is never cut off at the box's edge.
        double width = 24 + 6.5 * longest, left = plotRight - width - 6;
        // A white box behind the legend keeps it readable over dense points.
        sb.Append(CultureInfo.InvariantCulture,
            $"<rect x=\"{left:0.#}\" y=\"{Top + 2:0.#}\" width=\"{width:0.#}\" height=\"{15 * named.Count + 4:0.#}\" fill=\"white\" fill-opacity=\"0.85\" stroke=\"#ccc\"/>");
        double ly = Top + 14;
        foreach (var (s, i) in spec.Series.Select((s, i) => (s, i)))
        {
            if (string.IsNullOrEmpty(s.Name)) continue;
            string color = s.Color ?? Palette.At(i);
            double lx = left + 6;
            sb.Append(CultureInfo.InvariantCulture, $"<rect x=\"{lx:0.#}\" y=\"{ly - 8:0.#}\" width=\"10\" height=\"10\" fill=\"{Esc(color)}\"/>");
            sb.Append(CultureInfo.InvariantCulture, $"<text x=\"{lx + 14:0.#}\" y=\"{ly + 1:0.#}\">{Esc(s.Name)}</text>");
            ly += 15;
        }
    }

    private static string Esc(string text) => WebUtility.HtmlEncode(text);
}
