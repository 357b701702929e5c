using System.Xml.Linq;
using Precision.Orleans.Reporting;
using Xunit;

namespace Precision.Orleans.Engine.Tests.Reporting;

public class SvgChartTests
{
    private static readonly XNamespace Svg = "http://www.w3.org/2000/svg";

    [Fact]
    public void Scatter_is_well_formed_svg_with_one_marker_per_point_and_a_diagonal()
    {
        var spec = new ChartSpec
        {
            Title = "π vs μ <bf16> & fp16",
            XAxis = new AxisOptions("μ", Min: 0, Max: 1),
            YAxis = new AxisOptions("π", Min: 0, Max: 1),
            Diagonal = true,
            Series = [new ChartSeries("bf16", [0.1, 0.5, 0.9], [0.12, 0.45, 0.91]), new ChartSeries("fp16", [0.3], [0.3])],
        };
        var doc = XDocument.Parse(SvgChart.Scatter(spec));
        Assert.Equal(Svg + "svg", doc.Root!.Name);
        Assert.Equal(4, doc.Descendants(Svg + "circle").Count());
        Assert.Contains(doc.Descendants(Svg + "text"), t => t.Value == "π vs μ <bf16> & fp16");
        Assert.Contains(doc.Descendants(Svg + "line"), l => (string?)l.Attribute("stroke-dasharray") == "4 3");
        Assert.Contains(doc.Descendants(Svg + "text"), t => t.Value == "fp16"); // legend
    }

    [Fact]
    public void Unnamed_series_get_no_legend_box_and_named_ones_do()
    {
        static int LegendBoxes(string svg) => XDocument.Parse(svg).Descendants(Svg + "rect").Count(r => (string?)r.Attribute("fill-opacity") == "0.85");
        var unnamed = new ChartSpec { Series = [new ChartSeries("", [1, 2], [1, 2]), new ChartSeries("", [1, 2], [2, 1])] };
        Assert.Equal(0, LegendBoxes(SvgChart.Line(unnamed)));
        var named = new ChartSpec { Series = [new ChartSeries("a", [1, 2], [1, 2]), new ChartSeries("b", [1, 2], [2, 1])] };
        Assert.Equal(1, LegendBoxes(SvgChart.Line(named)));
    }

    [Fact]
    public void A_long_series_name_fits_inside_its_legend_box()
    {
        const string name = "apply incl. log write, 3 shards";
        var doc = XDocument.Parse(SvgChart.Line(new ChartSpec { Series = [new ChartSeries("a", [1, 2], [1, 2]), new ChartSeries(name, [1, 2], [2, 1])] }));
        var box = doc.Descendants(Svg + "rect").Single(r => (string?)r.Attribute("fill-opacity") == "0.85");
        double left = (double)box.Attribute("x")!, right = left + (double)box.Attribute("width")!;
        var label = doc.Descendants(Svg + "text").Single(t => t.Value == name);
        double start = (double)label.Attribute("x")!;
        // ~6.5 px a character at the chart's font: the name's end stays inside the box (it was cut at 110 px before).
        Assert.True(start > left && start + 6.5 * name.Length <= right, $"legend box [{left}, {right}], label from {start}, {name.Length} characters");
    }

    [Fact]
    public void Line_chart_on_log_axis_breaks_at_points_it_cannot_draw()
    {
        var spec = new ChartSpec
        {
            YAxis = new AxisOptions("loss", Log: true),
            Series = [new ChartSeries("loss", [1, 2, 3, 4, 5], [3.0, 1.0, 0.0, 0.5, 0.25])],
        };
        var doc = XDocument.Parse(SvgChart.Line(spec));
        var polylines = doc.Descendants(Svg + "polyline").ToList();
        Assert.Equal(2, polylines.Count); // y = 0 is not on a log axis: the line splits there
        var ticks = doc.Descendants(Svg + "text").Select(t => t.Value).ToList();
        Assert.Contains("1", ticks);
    }

    [Fact]
    public void Linear_ticks_are_round_numbers_covering_the_range()
    {
        var scale = new AxisScale(new AxisOptions(Min: 0, Max: 10), [], 0, 100);
        Assert.Equal([0, 2, 4, 6, 8, 10], scale.Ticks());
        Assert.Equal(50, scale.Map(5), 9);
        Assert.True(double.IsNaN(new AxisScale(new AxisOptions(Log: true, Min: 1, Max: 100), [], 0, 1).Map(-1)));
    }

    [Fact]
    public void Bad_series_and_ranges_are_rejected()
    {
        Assert.Contains("2 x values", Assert.Throws<ArgumentException>(() =>
            SvgChart.Scatter(new ChartSpec { Series = [new ChartSeries("s", [1, 2], [1])] })).Message);
        Assert.Contains("log scale", Assert.Throws<ArgumentException>(() =>
            new AxisScale(new AxisOptions("y", Log: true, Min: -1, Max: 1), [], 0, 1)).Message);
    }

    [Fact]
    public void Html_report_is_self_contained_and_escapes_text()
    {
        string svg = SvgChart.Scatter(new ChartSpec { Series = [new ChartSeries("a", [1], [1])] });
        string html = new HtmlReport("Mismatch <report>")
            .Heading("table")
            .Table(["dtype", "k1"], [["bf16", "1e-3"]])
            .Figures(svg)
            .Build();
        Assert.StartsWith("<!DOCTYPE html>", html);
        Assert.Contains("Mismatch &lt;report&gt;", html);
        Assert.Contains("<svg", html);
        Assert.DoesNotContain("<script", html);
        Assert.DoesNotContain("src=", html);
        Assert.Throws<ArgumentException>(() => new HtmlReport("x").Table(["a", "b"], [["only one"]]));
    }
}
