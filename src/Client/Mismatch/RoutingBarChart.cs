using System.Globalization;
using System.Net;
using System.Text;
using Precision.Orleans.Engine.Analysis;

namespace Precision.Orleans.Client.Mismatch;

/// <summary>
/// A small SVG bar chart of one dtype's routing mismatch: one bar per MoE layer and one for all layers together,
/// the fraction of response tokens whose top-k expert set differs between the engines (percent axis from 0).
/// </summary>
internal static class RoutingBarChart
{
    private const int Width = 400, Height = 260, Left = 56, Right = 12, Top = 30, Bottom = 44;

    public static string Render(string dtype, RoutingMismatch routing, string color)
    {
        var labels = routing.PerLayer.Select((_, i) => $"L{i}").Append("all").ToArray();
        var values = routing.PerLayer.Append(routing.Overall).Select(v => v * 100).ToArray();
        double max = NiceMax(values.DefaultIfEmpty(0).Max());
        int plotW = Width - Left - Right, plotH = Height - Top - Bottom;
        double slot = plotW / (double)labels.Length, bar = slot * 0.7;
        var svg = new StringBuilder();
        string F(double v) => v.ToString("0.##", CultureInfo.InvariantCulture);
        svg.Append(CultureInfo.InvariantCulture, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{Width}\" height=\"{Height}\" viewBox=\"0 0 {Width} {Height}\" font-family=\"sans-serif\" font-size=\"11\">");
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{Width / 2}\" y=\"16\" text-anchor=\"middle\" font-size=\"13\">{WebUtility.HtmlEncode(dtype)}: tokens routed differently (%)</text>");
        for (int tick = 0; tick <= 4; tick++)
        {
            double v = max * tick / 4, y = Top + plotH - plotH * tick / 4.0;
            svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{Left}\" x2=\"{Width - Right}\" y1=\"{F(y)}\" y2=\"{F(y)}\" stroke=\"#ddd\"/>");
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{Left - 4}\" y=\"{F(y + 4)}\" text-anchor=\"end\">{v.ToString("G3", CultureInfo.InvariantCulture)}</text>");
        }
        for (int i = 0; i < labels.Length; i++)
        {
            double h = max > 0 ? plotH * values[i] / max : 0, x = Left + slot * i + (slot - bar) / 2;
            bool overall = i == labels.Length - 1;
            svg.Append(CultureInfo.InvariantCulture, $"<rect x=\"{F(x)}\" y=\"{F(Top + plotH - h)}\" width=\"{F(bar)}\" height=\"{F(h)}\" fill=\"{color}\" fill-opacity=\"{(overall ? "1" : "0.6")}\"><title>{labels[i]}: {values[i].ToString("G4", CultureInfo.InvariantCulture)}%</title></rect>");
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{F(x + bar / 2)}\" y=\"{Top + plotH + 14}\" text-anchor=\"middle\">{labels[i]}</text>");
        }
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{Width / 2}\" y=\"{Height - 8}\" text-anchor=\"middle\">MoE layer ({routing.Tokens:N0} tokens; all = every (token, layer) decision)</text>");
        svg.Append("</svg>");
        return svg.ToString();
    }

    /// <summary>A round axis maximum at or above <paramref name="v"/> (1, 2 or 5 × 10ⁿ); 1 when there is nothing to show.</summary>
    private static double NiceMax(double v)
    {
        if (!(v > 0)) return 1;
        double magnitude = Math.Pow(10, Math.Floor(Math.Log10(v)));
        foreach (double m in new[] { 1.0, 2.0, 5.0, 10.0 })
            if (m * magnitude >= v) return m * magnitude;
        return 10 * magnitude;
    }
}
