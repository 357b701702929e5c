using System.Globalization;
using System.Text.Json.Nodes;
using Precision.Orleans.Abstractions;
using Precision.Orleans.RL.Evaluation;
using Precision.Orleans.RL.Tasks;
using Spectre.Console;

namespace Precision.Orleans.Client.Evaluation;

/// <summary>avg@k and pass@k of a policy on a held-out set.</summary>
internal static class EvalRunner
{
    public static int Run(EvalSettings s)
    {
        s.Validate();
        var sampler = PolicySampler.Load(s.ModelDirectory, s.DType, chatTemplate: s.ChatTemplate, fp16Range: s.Fp16Range);
        int difficulty = s.Source.DifficultyFor(sampler.Metadata);
        IReadOnlyList<ProblemRecord> records = s.Source.Load(difficulty, ProblemSeeds.Eval);
        var options = new PolicySamplingOptions
        {
            SamplesPerProblem = s.K,
            Temperature = s.Temperature,
            TopP = s.TopP,
            MaxNewTokens = s.MaxNewTokens ?? ProblemSource.DefaultMaxNewTokens(records),
            Seed = (ulong)s.Source.Seed,
        };
        AnsiConsole.MarkupLine(CultureInfo.InvariantCulture,
            $"[bold]eval[/] {Markup.Escape(s.Source.Describe(difficulty))}; k={s.K}, T={s.Temperature}, top-p={s.TopP}, {s.DType.Name()}, ≤{options.MaxNewTokens} new tokens");
        var results = SamplingProgress.Measure(sampler, records, options, "eval");
        var report = new AccuracyReport(results);
        report.Print($"eval of {s.ModelDirectory}");
        var settings = new JsonObject
        {
            ["model"] = s.ModelDirectory,
            ["problems"] = s.Source.Describe(difficulty),
            ["k"] = s.K,
            ["temperature"] = s.Temperature,
            ["top_p"] = s.TopP,
            ["dtype"] = s.DType.Name(),
            ["max_new_tokens"] = options.MaxNewTokens,
            ["seed"] = s.Source.Seed,
            ["chat_template"] = sampler.Prompts.Template.Name,
        };
        report.WriteJson(s.OutputPath, settings);
        AnsiConsole.MarkupLine(CultureInfo.InvariantCulture,
            $"avg@{s.K} [green]{report.AverageAtK:P2}[/]  pass@{s.K} {report.PassAtK:P2} → {Markup.Escape(s.OutputPath)}");
        return 0;
    }
}
