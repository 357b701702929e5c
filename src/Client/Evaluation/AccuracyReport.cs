using Precision.Orleans.Engine.Checkpoints;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Precision.Orleans.Reporting;
using Precision.Orleans.RL.Evaluation;
using Precision.Orleans.RL.Tasks;
using Spectre.Console;

namespace Precision.Orleans.Client.Evaluation;

/// <summary>The per-problem accuracy of a policy summarised: avg@k, pass@k, per difficulty, a histogram (console, JSON, SVG).</summary>
internal sealed class AccuracyReport(IReadOnlyList<ProblemAccuracy> results, int bins = 10)
{
    public IReadOnlyList<ProblemAccuracy> Results { get; } = results;
    public double AverageAtK { get; } = AccuracySummary.AverageAtK(results);
    public double PassAtK { get; } = AccuracySummary.PassAtK(results);
    public int[] Histogram { get; } = AccuracySummary.Histogram(results, bins);

    /// <summary>Problems solved neither never nor always, between 20% and 80%: the ones RL can improve.</summary>
    public int Perfectible(double min = 0.2, double max = 0.8) => AccuracySummary.WithinBounds(Results, min, max).Count;

    public void Print(string title)
    {
        if (Results.Count == 0)
        {
            AnsiConsole.MarkupLine($"[bold]{Markup.Escape(title)}[/]: no problems");
            return;
        }
        int k = Results.Count == 0 ? 0 : Results[0].Samples;
        AnsiConsole.MarkupLine(CultureInfo.InvariantCulture,
            $"[bold]{Markup.Escape(title)}[/]: avg@{k} [green]{AverageAtK:P1}[/], pass@{k} {PassAtK:P1}, " +
            $"{Perfectible()} of {Results.Count} problems solved 20–80% of the time, mean response {Results.Average(r => r.MeanResponseTokens):F0} tokens");
        var byDifficulty = new Table().AddColumn("difficulty").AddColumn("problems").AddColumn("accuracy");
        foreach (var (d, n, acc) in AccuracySummary.ByDifficulty(Results))
            byDifficulty.AddRow(d.ToString(CultureInfo.InvariantCulture), n.ToString(CultureInfo.InvariantCulture), acc.ToString("P1", CultureInfo.InvariantCulture));
        var histogram = new BarChart().Label("problems per accuracy bin").Width(60);
        for (int i = 0; i < Histogram.Length; i++)
            histogram.AddItem(BinLabel(i), Histogram[i], Color.SteelBlue);
        AnsiConsole.Write(new Columns(byDifficulty, histogram));
    }

    public JsonObject ToJson(JsonObject? settings = null)
    {
        var json = new JsonObject
        {
            ["problems"] = Results.Count,
            ["samples_per_problem"] = Results.Count == 0 ? 0 : Results[0].Samples,
            ["avg_at_k"] = AverageAtK,
            ["pass_at_k"] = PassAtK,
            ["perfectible_20_80"] = Perfectible(),
            ["mean_response_tokens"] = Results.Count == 0 ? 0 : Results.Average(r => r.MeanResponseTokens),
            ["by_difficulty"] = new JsonArray([.. AccuracySummary.ByDifficulty(Results).Select(g =>
                (JsonNode)new JsonObject { ["difficulty"] = g.Difficulty, ["problems"] = g.Problems, ["accuracy"] = g.Accuracy })]),
            ["histogram"] = new JsonObject
            {
                ["bin_edges"] = new JsonArray([.. Enumerable.Range(0, Histogram.Length + 1).Select(i => (JsonNode)((double)i / Histogram.Length))]),
                ["counts"] = new JsonArray([.. Histogram.Select(c => (JsonNode)c)]),
            },
        };
        if (settings is not null) json["settings"] = settings;
        return json;
    }

    public void WriteJson(string path, JsonObject? settings = null) =>
        AtomicFile.WriteAllText(path, ToJson(settings).ToJsonString(new JsonSerializerOptions { WriteIndented = true }));

    /// <summary>The histogram as an outline (each bin a flat segment), since the chart library draws lines and points.</summary>
    public string ToSvg(string title)
    {
        int bins = Histogram.Length;
        var x = new List<double>();
        var y = new List<double>();
        for (int i = 0; i < bins; i++)
        {
            x.Add((double)i / bins);
            y.Add(Histogram[i]);
            x.Add((double)(i + 1) / bins);
            y.Add(Histogram[i]);
        }
        return SvgChart.Line(new ChartSpec
        {
            Title = title,
            Width = 560,
            XAxis = new AxisOptions("per-problem accuracy", Min: 0, Max: 1),
            YAxis = new AxisOptions("problems", Min: 0),
            Series = [new ChartSeries("problems per bin", x, y, "#08519c")],
        });
    }

    private string BinLabel(int i)
    {
        int bins = Histogram.Length;
        return string.Create(CultureInfo.InvariantCulture, $"{100 * i / bins,3}–{100 * (i + 1) / bins}%");
    }
}
