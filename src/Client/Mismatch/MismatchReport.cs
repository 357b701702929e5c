using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Precision.Orleans.Abstractions;
using Precision.Orleans.Engine.Analysis;
using Precision.Orleans.Reporting;

namespace Precision.Orleans.Client.Mismatch;

/// <summary>Turns per-dtype measurements into mismatch.json, mismatch.html and console lines.</summary>
internal sealed class MismatchReport(MismatchSettings settings, long parameterCount, IReadOnlyList<DTypeMismatch> results)
{
    /// <summary>At most this many (μ, π) points per dtype go into the scatter plot, evenly spaced over all tokens.</summary>
    private const int MaxScatterPoints = 4000;

    public static readonly IReadOnlyList<string> SummaryHeaders =
        ["dtype", "responses", "tokens", "mean len", "k1", "k3", "mean |π−μ|", "max |π−μ|", "min π−μ", "max π−μ", "mean |log π(y)/μ(y)|", "max |log π(y)/μ(y)|"];

    public IReadOnlyList<DTypeMismatch> Results => results;

    private DTypeMismatch? Find(DType d) => results.FirstOrDefault(r => r.DType == d);

    /// <summary>a / b of a metric between two dtypes; null when either is missing or b is 0.</summary>
    public double? Ratio(DType a, DType b, Func<MismatchMetrics, double> metric)
    {
        var ra = Find(a);
        var rb = Find(b);
        if (ra is null || rb is null) return null;
        double denominator = metric(rb.Metrics);
        return denominator > 0 ? metric(ra.Metrics) / denominator : null;
    }

    /// <summary>95% bootstrap interval over responses of the mean |seq log-ratio| ratio a / b; null when a dtype is missing.</summary>
    public (double Low, double High)? RatioInterval(DType a, DType b)
    {
        var ra = Find(a);
        var rb = Find(b);
        if (ra is null || rb is null || ra.Metrics.Sequences == 0 || rb.Metrics.Sequences == 0) return null;
        return BootstrapInterval.RatioOfMeanAbs(ra.Metrics.SeqLogRatios, rb.Metrics.SeqLogRatios);
    }

    /// <summary>True when fp32's mean |seq log-ratio| is below both 16-bit ones; null when a dtype is missing.</summary>
    public bool? Fp32BelowBoth()
    {
        var f = Find(DType.Fp32);
        var b = Find(DType.Bf16);
        var h = Find(DType.Fp16);
        if (f is null || b is null || h is null) return null;
        return f.Metrics.MeanAbsSeqLogRatio < b.Metrics.MeanAbsSeqLogRatio && f.Metrics.MeanAbsSeqLogRatio < h.Metrics.MeanAbsSeqLogRatio;
    }

    public IEnumerable<IReadOnlyList<string>> SummaryRows() => results.Select(r =>
    {
        var m = r.Metrics;
        return (IReadOnlyList<string>)
        [
            r.DType.Name(), m.Sequences.ToString(CultureInfo.InvariantCulture), m.Tokens.ToString(CultureInfo.InvariantCulture),
            (m.Tokens / (double)Math.Max(1, m.Sequences)).ToString("F1", CultureInfo.InvariantCulture),
            G(m.K1), G(m.K3), G(m.MeanAbsProbDiff), G(m.MaxAbsProbDiff), G(m.MinProbDiff), G(m.MaxProbDiff),
            G(m.MeanAbsSeqLogRatio), G(m.MaxAbsSeqLogRatio),
        ];
    });

    public static readonly IReadOnlyList<string> DecompositionHeaders =
        ["dtype", "mean len", "σ per token", "mean per token (drift)", "L* = σ²/k3²", "L* = 4/σ²", "regime"];

    public IEnumerable<IReadOnlyList<string>> DecompositionRows() => results.Select(r =>
    {
        var m = r.Metrics;
        return (IReadOnlyList<string>)
        [
            r.DType.Name(), m.MeanLength.ToString("F1", CultureInfo.InvariantCulture), G(m.TokenLogRatioStd), G(m.TokenLogRatioMean),
            Length(m.DriftLengthMeasured), Length(m.DriftLengthTheory), m.Regime,
        ];
    });

    /// <summary>The bf16 and fp16 measurements the projection compares; null unless both were measured.</summary>
    private (MismatchMetrics Bf16, MismatchMetrics Fp16)? SixteenBitPair() =>
        Find(DType.Bf16) is { } b && Find(DType.Fp16) is { } h ? (b.Metrics, h.Metrics) : null;

    /// <summary>Response lengths the projection table shows: the paper's 1K-scale, 8K and 32K token budgets.</summary>
    public static readonly IReadOnlyList<int> ProjectionLengths = [1024, 8192, 32768];

    public static readonly IReadOnlyList<string> ProjectionHeaders = ["response length", "bf16 mean |seq lr|", "fp16 mean |seq lr|", "bf16 / fp16"];

    /// <summary>
    /// The bf16 and fp16 mean |log π(y)/μ(y)| that the measured per-token σ and k3 imply at longer responses
    /// (<see cref="SequenceRatioProjection"/>); empty unless both dtypes were measured.
    /// </summary>
    public IEnumerable<IReadOnlyList<string>> ProjectionRows()
    {
        if (SixteenBitPair() is not var (b, h)) yield break;
        foreach (int length in ProjectionLengths)
            yield return
            [
                length.ToString("N0", CultureInfo.InvariantCulture), G(SequenceRatioProjection.Project(b, length)),
                G(SequenceRatioProjection.Project(h, length)),
                SequenceRatioProjection.ProjectedRatio(b, h, length).ToString("F1", CultureInfo.InvariantCulture) + "×",
            ];
    }

    /// <summary>What the projection says beside the table: its error at the measured lengths, and where 8× and 24× lie.</summary>
    public IEnumerable<string> ProjectionLines()
    {
        if (SixteenBitPair() is not var (b, h)) yield break;
        foreach (var (name, m) in new[] { ("bf16", b), ("fp16", h) })
            yield return string.Create(CultureInfo.InvariantCulture,
                $"{name}: at the measured response lengths the projection gives {G3(SequenceRatioProjection.ProjectAtMeasuredLengths(m))}, measured {G3(m.MeanAbsSeqLogRatio)}");
        foreach (double target in new[] { 8.0, 24.0 })
            yield return SequenceRatioProjection.LengthForRatio(b, h, target) switch
            {
                null => string.Create(CultureInfo.InvariantCulture, $"projected bf16 / fp16 never reaches {target:G}× (it tends to the k3 ratio, {b.K3 / h.K3:F0}×)"),
                <= 1 => string.Create(CultureInfo.InvariantCulture, $"projected bf16 / fp16 is at least {target:G}× at every length (the σ ratio is already {b.TokenLogRatioStd / h.TokenLogRatioStd:F2}×)"),
                { } at => string.Create(CultureInfo.InvariantCulture, $"projected bf16 / fp16 reaches {target:G}× at responses of ~{at:N0} tokens"),
            };
    }

    private JsonObject? ProjectionJson()
    {
        if (SixteenBitPair() is not var (b, h)) return null;
        return new JsonObject
        {
            ["model"] = "log π(y)/μ(y) ~ N(−L·k3, L·σ²) per dtype, tokens independent",
            ["bf16_at_measured_lengths"] = Num(SequenceRatioProjection.ProjectAtMeasuredLengths(b)),
            ["fp16_at_measured_lengths"] = Num(SequenceRatioProjection.ProjectAtMeasuredLengths(h)),
            ["bf16_over_fp16"] = new JsonArray(ProjectionLengths.Select(l => (JsonNode)new JsonObject
            {
                ["length"] = l,
                ["bf16"] = Num(SequenceRatioProjection.Project(b, l)),
                ["fp16"] = Num(SequenceRatioProjection.Project(h, l)),
                ["ratio"] = Num(SequenceRatioProjection.ProjectedRatio(b, h, l)),
            }).ToArray()),
            ["length_for_8x"] = Num(SequenceRatioProjection.LengthForRatio(b, h, 8)),
            ["length_for_24x"] = Num(SequenceRatioProjection.LengthForRatio(b, h, 24)),
        };
    }

    private static string Length(double v) => double.IsFinite(v) ? Commands.ConsoleNumbers.Format(v) : "∞";

    public static readonly IReadOnlyList<string> ConsoleHeaders = ["dtype", "tokens", "k1", "k3", "mean |π−μ|", "max |π−μ|", "mean |seq lr|"];

    public IEnumerable<IReadOnlyList<string>> ConsoleRows() => results.Select(r => (IReadOnlyList<string>)
    [
        r.DType.Name(), r.Metrics.Tokens.ToString(CultureInfo.InvariantCulture), G3(r.Metrics.K1), G3(r.Metrics.K3),
        G3(r.Metrics.MeanAbsProbDiff), G3(r.Metrics.MaxAbsProbDiff), G3(r.Metrics.MeanAbsSeqLogRatio),
    ]);

    private static string G3(double v) => Commands.ConsoleNumbers.Format(v);

    public IEnumerable<string> RatioLines()
    {
        var bf16OverFp16 = Ratio(DType.Bf16, DType.Fp16, m => m.MeanAbsSeqLogRatio);
        if (bf16OverFp16 is { } r && RatioInterval(DType.Bf16, DType.Fp16) is var (lo, hi))
            yield return string.Create(CultureInfo.InvariantCulture,
                $"bf16 / fp16 mean |log π(y)/μ(y)| = {r:F1}× (95% bootstrap interval {lo:F1}–{hi:F1}×; paper: ~24×)");
        if (Fp32BelowBoth() is { } below)
            yield return string.Create(CultureInfo.InvariantCulture,
                $"fp32 is {(below ? "below" : "NOT below")} both: fp32/bf16 = {G3(Ratio(DType.Fp32, DType.Bf16, m => m.MeanAbsSeqLogRatio) ?? double.NaN)}, fp32/fp16 = {G3(Ratio(DType.Fp32, DType.Fp16, m => m.MeanAbsSeqLogRatio) ?? double.NaN)}");
    }

    public string ToJson()
    {
        var dtypes = new JsonObject();
        foreach (var r in results) dtypes[r.DType.Name()] = DTypeJson(r);
        var root = new JsonObject
        {
            ["model"] = Path.GetFullPath(settings.ModelDirectory),
            ["parameters"] = parameterCount,
            ["prompts"] = settings.Prompts,
            ["samples_per_prompt"] = settings.SamplesPerPrompt,
            ["max_new_tokens"] = settings.MaxNewTokens,
            ["temperature"] = 1.0,
            ["top_p"] = 1.0,
            ["seed"] = settings.Seed,
            ["tasks"] = new JsonArray(settings.Tasks.Select(t => (JsonNode?)t).ToArray()),
            ["dtypes"] = dtypes,
            ["ratios"] = new JsonObject
            {
                ["mean_abs_seq_log_ratio"] = RatioJson(m => m.MeanAbsSeqLogRatio),
                ["mean_abs_seq_log_ratio_bf16_over_fp16_ci95"] = RatioInterval(DType.Bf16, DType.Fp16) is var (lo, hi)
                    ? new JsonArray(Num(lo), Num(hi))
                    : null,
                ["k1"] = RatioJson(m => m.K1),
                ["token_log_ratio_std"] = RatioJson(m => m.TokenLogRatioStd),
                ["token_log_ratio_mean"] = RatioJson(m => m.TokenLogRatioMean),
                ["k3"] = RatioJson(m => m.K3),
                ["mean_abs_prob_diff"] = RatioJson(m => m.MeanAbsProbDiff),
                ["max_abs_prob_diff"] = RatioJson(m => m.MaxAbsProbDiff),
            },
            ["projection"] = ProjectionJson(),
            ["fp32_below_both"] = Fp32BelowBoth(),
            ["routing_mismatch_bf16_over_fp16"] = Num(RoutingRatio(DType.Bf16, DType.Fp16)),
        };
        return root.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
    }

    private JsonObject RatioJson(Func<MismatchMetrics, double> metric) => new()
    {
        ["bf16_over_fp16"] = Num(Ratio(DType.Bf16, DType.Fp16, metric)),
        ["fp32_over_bf16"] = Num(Ratio(DType.Fp32, DType.Bf16, metric)),
        ["fp32_over_fp16"] = Num(Ratio(DType.Fp32, DType.Fp16, metric)),
    };

    private static JsonObject DTypeJson(DTypeMismatch r)
    {
        var m = r.Metrics;
        return new JsonObject
        {
            ["sequences"] = m.Sequences,
            ["tokens"] = m.Tokens,
            ["stopped_at_eos"] = r.StoppedAtEos,
            ["k1"] = Num(m.K1),
            ["k3"] = Num(m.K3),
            ["mean_abs_prob_diff"] = Num(m.MeanAbsProbDiff),
            ["max_abs_prob_diff"] = Num(m.MaxAbsProbDiff),
            ["mean_length"] = Num(m.MeanLength),
            ["token_log_ratio_mean"] = Num(m.TokenLogRatioMean),
            ["token_log_ratio_std"] = Num(m.TokenLogRatioStd),
            ["drift_length_measured"] = Num(m.DriftLengthMeasured),
            ["drift_length_theory"] = Num(m.DriftLengthTheory),
            ["regime"] = m.Regime,
            ["min_prob_diff"] = Num(m.MinProbDiff),
            ["max_prob_diff"] = Num(m.MaxProbDiff),
            ["mean_seq_log_ratio"] = Num(m.MeanSeqLogRatio),
            ["mean_abs_seq_log_ratio"] = Num(m.MeanAbsSeqLogRatio),
            ["max_abs_seq_log_ratio"] = Num(m.MaxAbsSeqLogRatio),
            ["sample_seconds"] = Math.Round(r.SampleSeconds, 3),
            ["score_seconds"] = Math.Round(r.ScoreSeconds, 3),
            ["by_length"] = new JsonArray(m.ByLength.Select(b => (JsonNode)new JsonObject
            {
                ["min_length"] = b.MinLength,
                ["max_length"] = b.MaxLength == int.MaxValue ? null : b.MaxLength,
                ["count"] = b.Count,
                ["mean_seq_log_ratio"] = Num(b.MeanSeqLogRatio),
                ["mean_abs_seq_log_ratio"] = Num(b.MeanAbsSeqLogRatio),
                ["max_abs_seq_log_ratio"] = Num(b.MaxAbsSeqLogRatio),
            }).ToArray()),
            ["seq_log_ratios"] = new JsonArray(m.SeqLogRatios.Select(v => (JsonNode?)Num(v)).ToArray()),
            ["seq_lengths"] = new JsonArray(m.SeqLengths.Select(v => (JsonNode?)v).ToArray()),
            ["routing_mismatch"] = r.Routing is { } rm ? RoutingJson(rm) : null,
        };
    }

    /// <summary>bf16 / fp16 of the overall routing mismatch; null for dense models, a missing dtype or a zero fp16 value.</summary>
    public double? RoutingRatio(DType a, DType b) =>
        Find(a)?.Routing is { } ra && Find(b)?.Routing is { Overall: > 0 } rb ? ra.Overall / rb.Overall : null;

    private static JsonObject RoutingJson(RoutingMismatch r) => new()
    {
        ["tokens"] = r.Tokens,
        ["overall"] = Num(r.Overall),
        ["any_layer"] = Num(r.AnyLayer),
        ["per_layer"] = new JsonArray(r.PerLayer.Select(v => (JsonNode?)Num(v)).ToArray()),
        ["differing_per_layer"] = new JsonArray(r.DifferingPerLayer.Select(v => (JsonNode?)v).ToArray()),
    };

    public static readonly IReadOnlyList<string> RoutingHeaders = ["dtype", "tokens", "differing decisions (all layers)", "tokens differing in some layer", "per MoE layer"];

    public IEnumerable<IReadOnlyList<string>> RoutingRows() => results.Where(r => r.Routing is not null).Select(r => (IReadOnlyList<string>)
    [
        r.DType.Name(), r.Routing!.Tokens.ToString(CultureInfo.InvariantCulture), P(r.Routing.Overall), P(r.Routing.AnyLayer),
        string.Join("  ", r.Routing.PerLayer.Select(P)),
    ]);

    private static string P(double v) => v.ToString("P3", CultureInfo.InvariantCulture);

    public string ToHtml()
    {
        var html = new HtmlReport("Training–inference mismatch: π (training engine) vs μ (rollout engine)");
        html.Paragraph(
            FormattableString.Invariant($"Model {settings.ModelDirectory} ({parameterCount:N0} parameters). {settings.Prompts} held-out prompts (tasks {string.Join(", ", settings.Tasks)}) × {settings.SamplesPerPrompt} samples, ") +
            FormattableString.Invariant($"temperature 1, top-p 1, at most {settings.MaxNewTokens} new tokens, seed {settings.Seed}. For each dtype the rollout engine samples and ") +
            "records μ of each sampled token; the training engine, in the same dtype from the same FP32 weights, re-scores prompt + response and gives π. " +
            "The engines differ only in how they compute (fused vs unfused kernels, KV-cache decode vs whole-sequence GEMMs, reduction order).");
        foreach (string line in RatioLines()) html.Paragraph(line);
        html.Heading("Summary").Table(SummaryHeaders, SummaryRows());

        if (results.Any(r => r.Routing is not null))
        {
            html.Heading("Expert routing: rollout engine vs training engine");
            html.Paragraph("For each response token (the positions whose outputs give its log-probability) and each MoE layer, whether the " +
                "two engines chose the same top-k expert set. A flip changes which experts compute the token, so it moves log π far more " +
                "than a rounding difference does (paper §5.2: MoE models show the largest mismatch).");
            html.Table(RoutingHeaders, RoutingRows());
            if (RoutingRatio(DType.Bf16, DType.Fp16) is { } rr)
                html.Paragraph(string.Create(CultureInfo.InvariantCulture, $"bf16 / fp16 routing mismatch = {rr:F1}×"));
            html.Figures(results.Where(r => r.Routing is not null).Select(r => RoutingBarChart.Render(r.DType.Name(), r.Routing!, ColorOf(r.DType))).ToArray());
        }

        html.Heading("Noise or drift? Per-token decomposition of log π − log μ");
        html.Paragraph("A sequence log-ratio is a sum over its tokens. Its per-token noise σ adds up like √L·σ and scales with the dtype's " +
            "rounding unit (bf16's is 8× fp16's); its per-token mean (drift, = −k1, a KL in the small-noise limit ≈ σ²/2) adds up like L·|mean| " +
            "and scales with the square (≈ 64×). The true drift is exactly −KL(μ‖π), best estimated by k3 (the raw mean is as noisy as the drift is small). " +
            "Drift overtakes noise beyond L* = σ²/k3² (measured) or 4/σ² (small-noise theory). " +
            "Responses much shorter than bf16's L* sit in the noise regime, where bf16/fp16 stays near 8×; a larger ratio needs responses near or beyond it.");
        html.Table(DecompositionHeaders, DecompositionRows());

        if (ProjectionRows().ToList() is { Count: > 0 } projection)
        {
            html.Heading("Projected to longer responses");
            html.Paragraph("The paper's responses run to 8K–32K tokens; these run to a few hundred. Taking each dtype's tokens as independent with " +
                "mean −k3 and spread σ, a response of L tokens has log π(y)/μ(y) ≈ N(−L·k3, L·σ²), whose mean absolute value is below. " +
                "This is a projection from the measured per-token statistics, not a measurement; the first lines show how far it is off at the measured lengths.");
            foreach (string line in ProjectionLines()) html.Paragraph(line);
            html.Table(ProjectionHeaders, projection);
        }

        html.Heading("Token probability π against μ (sampled response tokens)");
        html.Figures(results.Select(ProbabilityScatter).ToArray());

        html.Heading("Sequence log-ratio log π(y)/μ(y) against response length");
        html.Figures(results.Select(SeqRatioScatter).Append(AbsSeqRatioAllDtypes()).ToArray());

        html.Heading("Sequence log-ratio by response length");
        html.Table(["dtype", "length", "responses", "mean log π(y)/μ(y)", "mean |log π(y)/μ(y)|", "max |log π(y)/μ(y)|"],
            results.SelectMany(r => r.Metrics.ByLength.Select(b => (IReadOnlyList<string>)
            [
                r.DType.Name(),
                b.MaxLength == int.MaxValue ? $"{b.MinLength}+" : $"{b.MinLength}–{b.MaxLength}",
                b.Count.ToString(CultureInfo.InvariantCulture), G(b.MeanSeqLogRatio), G(b.MeanAbsSeqLogRatio), G(b.MaxAbsSeqLogRatio),
            ])));

        if (BucketRatios().ToList() is { Count: > 0 } bucketRatios)
        {
            html.Paragraph("bf16 / fp16 ratio of mean |log π(y)/μ(y)| per response-length bucket (same bucket edges for both dtypes). " +
                "bf16 keeps 8 significant bits and fp16 11, so each rounding is 8× coarser in bf16: where the engines' differences are " +
                "rounding errors that propagate linearly, the log-ratios scale by about 8× and k3 (quadratic in them) by about 64×. " +
                "Larger ratios need effects beyond that linear regime, for example a systematic per-token bias that adds up over very long responses.");
            html.Table(["length", "bf16 responses", "fp16 responses", "bf16 / fp16"], bucketRatios);
        }

        html.Heading("Timing");
        html.Table(["dtype", "sampling (s)", "re-scoring (s)", "responses ending in <eos>"], results.Select(r => (IReadOnlyList<string>)
        [
            r.DType.Name(), r.SampleSeconds.ToString("F1", CultureInfo.InvariantCulture),
            r.ScoreSeconds.ToString("F1", CultureInfo.InvariantCulture), $"{r.StoppedAtEos} / {r.Metrics.Sequences}",
        ]));

        html.Heading("Example responses");
        foreach (var r in results) html.Heading(r.DType.Name(), 3).Preformatted(string.Join("\n", r.ExampleResponses));
        return html.Build();
    }

    private IEnumerable<IReadOnlyList<string>> BucketRatios()
    {
        var bf16 = Find(DType.Bf16);
        var fp16 = Find(DType.Fp16);
        if (bf16 is null || fp16 is null) yield break;
        foreach (var b in bf16.Metrics.ByLength)
        {
            var h = fp16.Metrics.ByLength.FirstOrDefault(x => x.MinLength == b.MinLength);
            if (h is null || h.MeanAbsSeqLogRatio <= 0) continue;
            yield return
            [
                b.MaxLength == int.MaxValue ? $"{b.MinLength}+" : $"{b.MinLength}–{b.MaxLength}",
                b.Count.ToString(CultureInfo.InvariantCulture), h.Count.ToString(CultureInfo.InvariantCulture),
                (b.MeanAbsSeqLogRatio / h.MeanAbsSeqLogRatio).ToString("F1", CultureInfo.InvariantCulture) + "×",
            ];
        }
    }

    private static string ProbabilityScatter(DTypeMismatch r)
    {
        var (mu, pi) = SampledPoints(r);
        return SvgChart.Scatter(new ChartSpec
        {
            Title = $"{r.DType.Name()}: π vs μ",
            Width = 400,
            Height = 380,
            XAxis = new AxisOptions("μ (rollout engine)", Min: 0, Max: 1),
            YAxis = new AxisOptions("π (training engine)", Min: 0, Max: 1),
            Diagonal = true,
            MarkerRadius = 1.8,
            MarkerOpacity = 0.35,
            Series = [new ChartSeries(r.DType.Name(), mu, pi, ColorOf(r.DType))],
        });
    }

    private static (double[] Mu, double[] Pi) SampledPoints(DTypeMismatch r)
    {
        var mu = new List<double>();
        var pi = new List<double>();
        int total = r.Metrics.Tokens, stride = Math.Max(1, (total + MaxScatterPoints - 1) / MaxScatterPoints), k = 0;
        for (int s = 0; s < r.LogPi.Length; s++)
            for (int t = 0; t < r.LogPi[s].Length; t++, k++)
                if (k % stride == 0)
                {
                    mu.Add(Math.Exp(r.LogMu[s][t]));
                    pi.Add(Math.Exp(r.LogPi[s][t]));
                }
        return ([.. mu], [.. pi]);
    }

    private static string SeqRatioScatter(DTypeMismatch r) => SvgChart.Scatter(new ChartSpec
    {
        Title = $"{r.DType.Name()}: log π(y)/μ(y) vs length",
        Width = 400,
        XAxis = new AxisOptions("response length (tokens)"),
        YAxis = new AxisOptions("log π(y)/μ(y)"),
        ZeroLine = true,
        Series = [new ChartSeries(r.DType.Name(), r.Metrics.SeqLengths.Select(v => (double)v).ToArray(), r.Metrics.SeqLogRatios.ToArray(), ColorOf(r.DType))],
    });

    private string AbsSeqRatioAllDtypes() => SvgChart.Scatter(new ChartSpec
    {
        Title = "|log π(y)/μ(y)| vs length, all dtypes",
        Width = 400,
        XAxis = new AxisOptions("response length (tokens)"),
        YAxis = new AxisOptions("|log π(y)/μ(y)| (log scale)", Log: true),
        Series = results.Select(r => new ChartSeries(r.DType.Name(), r.Metrics.SeqLengths.Select(v => (double)v).ToArray(),
            r.Metrics.SeqLogRatios.Select(Math.Abs).ToArray(), ColorOf(r.DType))).ToArray(),
    });

    private static string ColorOf(DType d) => d switch
    {
        DType.Fp32 => Palette.At(2),
        DType.Bf16 => Palette.At(1),
        _ => Palette.At(0),
    };

    private static string G(double v) => Commands.ConsoleNumbers.Format(v, significant: 4);

    private static JsonNode? Num(double? v) => v is { } x && double.IsFinite(x) ? JsonValue.Create(x) : null;
}
