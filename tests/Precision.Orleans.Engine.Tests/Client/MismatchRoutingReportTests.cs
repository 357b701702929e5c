using System.Text.Json;
using System.Xml.Linq;
using Precision.Orleans.Abstractions;
using Precision.Orleans.Client.Mismatch;
using Precision.Orleans.Engine.Analysis;
using Xunit;

namespace Precision.Orleans.Engine.Tests.Client;

public class MismatchRoutingReportTests
{
    private static DTypeMismatch Fake(DType d, RoutingMismatch? routing)
    {
        float[][] mu = [[-0.1f, -0.7f]];
        float[][] pi = [[-0.1f, -0.71f]];
        return new DTypeMismatch(d, MismatchAnalysis.Compute(pi, mu), pi, mu, ["x"], 1, 1, 1, routing);
    }

    private static MismatchReport Report(bool moe) => new(new MismatchSettings { ModelDirectory = "m", Prompts = 1, SamplesPerPrompt = 1 }, 10,
    [
        Fake(DType.Bf16, moe ? new RoutingMismatch(200, [10, 30], 36) : null),
        Fake(DType.Fp16, moe ? new RoutingMismatch(200, [2, 3], 5) : null),
    ]);

    [Fact]
    public void Json_reports_routing_per_layer_and_the_bf16_over_fp16_ratio_for_moe_models()
    {
        using var doc = JsonDocument.Parse(Report(moe: true).ToJson());
        var bf16 = doc.RootElement.GetProperty("dtypes").GetProperty("bf16").GetProperty("routing_mismatch");
        Assert.Equal(200, bf16.GetProperty("tokens").GetInt64());
        Assert.Equal(0.1, bf16.GetProperty("overall").GetDouble(), 12); // (10 + 30) / (200 · 2)
        Assert.Equal(0.18, bf16.GetProperty("any_layer").GetDouble(), 12);
        Assert.Equal([0.05, 0.15], bf16.GetProperty("per_layer").EnumerateArray().Select(e => e.GetDouble()).ToArray());
        Assert.Equal(8.0, doc.RootElement.GetProperty("routing_mismatch_bf16_over_fp16").GetDouble(), 9); // 0.1 / 0.0125
    }

    [Fact]
    public void Dense_models_have_no_routing_section()
    {
        var report = Report(moe: false);
        using var doc = JsonDocument.Parse(report.ToJson());
        Assert.Equal(JsonValueKind.Null, doc.RootElement.GetProperty("dtypes").GetProperty("bf16").GetProperty("routing_mismatch").ValueKind);
        Assert.DoesNotContain("Expert routing", report.ToHtml());
    }

    [Fact]
    public void Html_has_a_routing_table_and_one_well_formed_bar_chart_per_dtype()
    {
        string html = Report(moe: true).ToHtml();
        Assert.Contains("Expert routing", html);
        Assert.Contains("routing mismatch = 8.0", html);
        var charts = System.Text.RegularExpressions.Regex.Matches(html, "<svg[^>]*>.*?</svg>", System.Text.RegularExpressions.RegexOptions.Singleline)
            .Select(m => m.Value).Where(s => s.Contains("tokens routed differently")).ToList();
        Assert.Equal(2, charts.Count);
        foreach (string svg in charts)
        {
            var doc = XDocument.Parse(svg);
            Assert.Equal(3, doc.Descendants().Count(e => e.Name.LocalName == "rect")); // two layers and "all"
        }
    }
}
