using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Precision.Orleans.Abstractions;
using Precision.Orleans.Client.Evaluation;
using Precision.Orleans.Client.LanguageModel;
using Precision.Orleans.Engine.Checkpoints;
using Precision.Orleans.Engine.Text;
using Precision.Orleans.Engine.Training;
using Precision.Orleans.RL.Evaluation;
using Precision.Orleans.RL.Tasks;
using Spectre.Console;

namespace Precision.Orleans.Client.Pretraining;

/// <summary>
/// Trains the base policy by next-token loss on worked solutions, saves it, then measures how partially
/// right it is: K temperature-1 samples for each held-out problem, per-difficulty accuracy and a histogram.
/// </summary>
internal static class PretrainRunner
{
    public const string SpreadJson = "spread.json";
    public const string SpreadSvg = "spread.svg";
    public const string SpreadProblems = "spread.jsonl";

    public static int Run(PretrainSettings s)
    {
        s.Validate();
        Commands.OutputDirectoryGuard.RequireWritableModelDirectory(s.OutputDirectory, s.Overwrite);
        IProblemTask task = TaskCatalog.Get(s.Task);
        var tokenizer = new CharTokenizer(task.Alphabet);
        var config = s.ToModelConfig(tokenizer.VocabSize, maxPositions: 1024);
        var engine = new TrainingEngine(config, new TrainingOptions
        {
            ComputeDType = s.DType,
            Optimizer = new AdamWOptions { LearningRate = s.LearningRate, WeightDecay = 0.01f },
        }, null, s.Seed);
        AnsiConsole.MarkupLine(CultureInfo.InvariantCulture,
            $"[bold]pretrain[/] {engine.Layout.TotalCount:N0} params (D={config.HiddenSize}, L={config.NumHiddenLayers}, I={config.IntermediateSize}, V={config.VocabSize}) " +
            $"on {task.Name} difficulty {s.Difficulty}, {s.DType.Name()}, {s.Steps} steps × batch {s.BatchSize}, lr {s.LearningRate}");

        var clock = Stopwatch.StartNew();
        LossCurve curve = Train(s, engine, new WorkedSolutionBatches(task, tokenizer, s.BatchSize, s.Difficulty, s.Seed));
        double trainSeconds = clock.Elapsed.TotalSeconds;
        float finalLoss = curve.Points.TakeLast(20).Average(p => p.Loss);
        Save(s, task, tokenizer, engine, curve, finalLoss);
        AnsiConsole.MarkupLine(CultureInfo.InvariantCulture,
            $"trained in {trainSeconds:F0} s; final loss {finalLoss:F4} (mean of the last 20 steps); saved to [green]{Markup.Escape(s.OutputDirectory)}[/]");

        if (s.HeldOutProblems > 0) MeasureSpread(s, task, tokenizer, engine);
        AnsiConsole.WriteLine(string.Create(CultureInfo.InvariantCulture, $"pretrain finished in {clock.Elapsed.TotalSeconds:F0} s"));
        return 0;
    }

    private static LossCurve Train(PretrainSettings s, TrainingEngine engine, WorkedSolutionBatches batches)
    {
        var curve = new LossCurve();
        int logEvery = Math.Max(1, s.Steps / 10);
        AnsiConsole.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn())
            .Start(ctx =>
            {
                var progress = ctx.AddTask("pretraining", maxValue: s.Steps);
                var recent = new Queue<float>();
                for (int step = 1; step <= s.Steps; step++)
                {
                    float lr = WarmupCosineSchedule.At(step, s.LearningRate, s.WarmupSteps, s.Steps);
                    engine.Optimizer.Options = engine.Optimizer.Options with { LearningRate = lr };
                    TokenBatch batch = batches.ForStep(step);
                    var sw = Stopwatch.StartNew();
                    var result = engine.TrainLanguageModelStep(batch);
                    double ms = sw.Elapsed.TotalMilliseconds;
                    if (!float.IsFinite(result.Loss))
                        throw new InvalidOperationException($"pretrain: loss became {result.Loss} at step {step}; try a lower --lr");
                    curve.Add(new LossCurve.Point(step, result.Loss, lr, ms, result.Tokens, result.Step.Applied));
                    recent.Enqueue(result.Loss);
                    if (recent.Count > 20) recent.Dequeue();
                    string line = string.Create(CultureInfo.InvariantCulture,
                        $"step {step}/{s.Steps} loss {recent.Average():F3} | {ms:F0} ms/step | {result.Tokens / (ms / 1000):F0} response tok/s");
                    progress.Description = line;
                    progress.Increment(1);
                    if (step % logEvery == 0 || step == s.Steps) AnsiConsole.WriteLine(line);
                }
            });
        return curve;
    }

    private static void Save(PretrainSettings s, IProblemTask task, CharTokenizer tokenizer, TrainingEngine engine, LossCurve curve, float finalLoss)
    {
        Directory.CreateDirectory(s.OutputDirectory);
        var metadata = new Dictionary<string, string>
        {
            ["precision.trained_by"] = "precision pretrain",
            [PretrainMetadata.TaskKey] = task.Name,
            [PretrainMetadata.DifficultyKey] = s.Difficulty.ToString(CultureInfo.InvariantCulture),
            ["precision.steps"] = s.Steps.ToString(CultureInfo.InvariantCulture),
            ["precision.dtype"] = s.DType.Name(),
            ["precision.seed"] = s.Seed.ToString(CultureInfo.InvariantCulture),
            ["precision.final_loss"] = finalLoss.ToString("R", CultureInfo.InvariantCulture),
        };
        ModelCheckpoint.Save(s.OutputDirectory, engine.Config, engine.Layout, engine.MasterWeights, metadata);
        tokenizer.Save(s.OutputDirectory);
        AtomicFile.WriteAllText(Path.Combine(s.OutputDirectory, "loss.csv"), curve.ToCsv());
        AtomicFile.WriteAllText(Path.Combine(s.OutputDirectory, "loss.svg"),
            curve.ToSvg($"pretrain loss on {task.Name} (difficulty {s.Difficulty}, {s.DType.Name()}, {engine.Layout.TotalCount:N0} params)"));
    }

    private static void MeasureSpread(PretrainSettings s, IProblemTask task, CharTokenizer tokenizer, TrainingEngine engine)
    {
        IReadOnlyList<Problem> heldOut = task.Generate(s.HeldOutProblems, ProblemSeeds.PretrainHeldOut(s.Seed), s.Difficulty);
        var sampler = new PolicySampler(engine.Config, engine.MasterWeights, tokenizer, DType.Fp32);
        var options = new PolicySamplingOptions
        {
            SamplesPerProblem = s.SpreadSamples,
            Temperature = 1f,
            MaxNewTokens = s.SpreadMaxNewTokens(task, heldOut),
            Seed = (ulong)s.Seed,
        };
        var records = heldOut.Select(p => new ProblemRecord(p, task.Name)).ToList();
        var results = SamplingProgress.Measure(sampler, records, options, "spread");
        var report = new AccuracyReport(results);
        report.Print($"held-out spread ({s.HeldOutProblems} problems, K={s.SpreadSamples}, T=1, fp32)");
        var settings = new JsonObject
        {
            ["task"] = task.Name,
            ["difficulty"] = s.Difficulty,
            ["temperature"] = 1.0,
            ["dtype"] = "fp32",
            ["max_new_tokens"] = options.MaxNewTokens,
            ["seed"] = s.Seed,
        };
        report.WriteJson(Path.Combine(s.OutputDirectory, SpreadJson), settings);
        AtomicFile.WriteAllText(Path.Combine(s.OutputDirectory, SpreadSvg),
            report.ToSvg($"per-problem accuracy of the base policy (K={s.SpreadSamples}, T=1)"));
        ProblemSetFile.Write(Path.Combine(s.OutputDirectory, SpreadProblems),
            results.Select(r => new ProblemRecord(r.Problem, task.Name, r.Accuracy, r.Samples)));
        AnsiConsole.MarkupLineInterpolated($"saved {SpreadJson}, {SpreadSvg} and {SpreadProblems} to [green]{s.OutputDirectory}[/]");
    }
}
