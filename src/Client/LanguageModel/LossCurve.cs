using System.Globalization;
using System.Text;
using Precision.Orleans.Reporting;

namespace Precision.Orleans.Client.LanguageModel;

/// <summary>Per-step training record, written as CSV and drawn as an SVG line chart.</summary>
internal sealed class LossCurve
{
    public sealed record Point(int Step, float Loss, float LearningRate, double Milliseconds, int Tokens, bool Applied);

    public List<Point> Points { get; } = [];

    public void Add(Point p) => Points.Add(p);

    public string ToCsv()
    {
        var sb = new StringBuilder("step,loss,lr,ms,tokens,applied\n");
        foreach (var p in Points)
            sb.Append(CultureInfo.InvariantCulture, $"{p.Step},{p.Loss:R},{p.LearningRate:R},{p.Milliseconds:0.###},{p.Tokens},{(p.Applied ? 1 : 0)}\n");
        return sb.ToString();
    }

    /// <summary>Loss per step and its 20-step moving average, on a log axis.</summary>
    public string ToSvg(string title)
    {
        double[] steps = Points.Select(p => (double)p.Step).ToArray();
        double[] loss = Points.Select(p => (double)p.Loss).ToArray();
        double[] smooth = new double[loss.Length];
        for (int i = 0; i < loss.Length; i++)
        {
            int from = Math.Max(0, i - 19);
            smooth[i] = loss[from..(i + 1)].Average();
        }
        return SvgChart.Line(new ChartSpec
        {
            Title = title,
            Width = 640,
            XAxis = new AxisOptions("step"),
            YAxis = new AxisOptions("loss (nats/token)", Log: true),
            Series = [new ChartSeries("loss", steps, loss, "#9ecae1"), new ChartSeries("20-step mean", steps, smooth, "#08519c")],
        });
    }
}
