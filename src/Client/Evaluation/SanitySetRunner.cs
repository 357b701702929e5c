using System.Globalization;
using Precision.Orleans.Abstractions;
using Precision.Orleans.RL.Evaluation;
using Precision.Orleans.RL.Tasks;
using Spectre.Console;

namespace Precision.Orleans.Client.Evaluation;

/// <summary>
/// The perfectible set: K samples per problem from the policy, keeping the problems it solves between
/// min and max of the time — those RL can still improve, so a correct RL run must reach ~100% on them.
/// </summary>
internal static class SanitySetRunner
{
    public static int Run(SanitySetSettings s)
    {
        s.Validate();
        var sampler = PolicySampler.Load(s.ModelDirectory, s.DType, chatTemplate: s.ChatTemplate, fp16Range: s.Fp16Range);
        int difficulty = s.Source.DifficultyFor(sampler.Metadata);
        IReadOnlyList<ProblemRecord> records = s.Source.Load(difficulty, ProblemSeeds.SanitySet);
        var options = new PolicySamplingOptions
        {
            SamplesPerProblem = s.Samples,
            Temperature = s.Temperature,
            MaxNewTokens = s.MaxNewTokens ?? ProblemSource.DefaultMaxNewTokens(records),
            Seed = (ulong)s.Source.Seed,
        };
        AnsiConsole.MarkupLine(CultureInfo.InvariantCulture,
            $"[bold]sanity-set[/] {Markup.Escape(s.Source.Describe(difficulty))}; K={s.Samples}, T={s.Temperature}, {s.DType.Name()}, ≤{options.MaxNewTokens} new tokens; keep {s.Min * 100:0.#}–{s.Max * 100:0.#}%");
        IReadOnlyList<ProblemAccuracy> results = SamplingProgress.Measure(sampler, records, options, "sanity-set");
        var kept = Keep(records, results, s.Min, s.Max);
        ProblemSetFile.Write(s.AllPath, ToRecords(records, results));
        ProblemSetFile.Write(s.OutputPath, kept);
        new AccuracyReport(results).Print("policy accuracy");
        AnsiConsole.MarkupLine(CultureInfo.InvariantCulture,
            $"kept [green]{kept.Count}[/] of {results.Count} problems solved {s.Min * 100:0.#}–{s.Max * 100:0.#}% of the time → [green]{Markup.Escape(s.OutputPath)}[/] (all: {Markup.Escape(s.AllPath)})");
        if (kept.Count < MinimumForRl)
            AnsiConsole.MarkupLine(CultureInfo.InvariantCulture,
                $"[yellow]note: {kept.Count} problems is fewer than {MinimumForRl}, two RL batches of 64 prompts; generate more with --count or widen --min/--max[/]");
        return 0;
    }

    /// <summary>Two batches of the default RL iteration (64 prompts): fewer and every iteration reuses most problems.</summary>
    public const int MinimumForRl = 128;

    /// <summary>The records whose measured accuracy is within [min, max], with that accuracy attached.</summary>
    public static IReadOnlyList<ProblemRecord> Keep(IReadOnlyList<ProblemRecord> records, IReadOnlyList<ProblemAccuracy> results, double min, double max)
    {
        AccuracySummary.ValidateBounds(min, max);
        return [.. ToRecords(records, results).Where(r => r.Accuracy >= min && r.Accuracy <= max)];
    }

    private static IEnumerable<ProblemRecord> ToRecords(IReadOnlyList<ProblemRecord> records, IReadOnlyList<ProblemAccuracy> results) =>
        records.Zip(results, (r, a) => r with { Accuracy = a.Accuracy, Samples = a.Samples });
}
