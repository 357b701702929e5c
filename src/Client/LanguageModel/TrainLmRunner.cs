using System.Diagnostics;
using System.Globalization;
using Precision.Orleans.Abstractions;
using Precision.Orleans.Engine.Checkpoints;
using Precision.Orleans.Engine.Data;
using Precision.Orleans.Engine.Rollout;
using Precision.Orleans.Engine.Text;
using Precision.Orleans.Engine.Training;
using Spectre.Console;

namespace Precision.Orleans.Client.LanguageModel;

/// <summary>
/// Trains a small Qwen2-shaped model by next-token loss on the synthetic corpus, with live progress,
/// then saves checkpoint + tokenizer + loss curve and shows a few temperature-1 samples.
/// </summary>
internal static class TrainLmRunner
{
    public static int Run(TrainLmSettings s)
    {
        Commands.OutputDirectoryGuard.RequireWritableModelDirectory(s.OutputDirectory, s.Overwrite);
        if (Commands.DeviceSelection.Open(s.Device) is not { } kernels) return Commands.DeviceSelection.RefusedExitCode;
        var tokenizer = SyntheticCorpus.CreateTokenizer();
        var config = s.ToModelConfig(tokenizer.VocabSize, s.MaxPositions);
        var options = new TrainingOptions
        {
            ComputeDType = s.DType,
            Kernels = kernels,
            Optimizer = new AdamWOptions { LearningRate = s.LearningRate, WeightDecay = 0.01f },
        };
        var engine = new TrainingEngine(config, options, null, s.Seed);
        AnsiConsole.MarkupLine(CultureInfo.InvariantCulture,
            $"[bold]train-lm[/] {engine.Layout.TotalCount:N0} params (D={config.HiddenSize}, L={config.NumHiddenLayers}, Hq={config.NumAttentionHeads}, Hkv={config.NumKeyValueHeads}, I={config.IntermediateSize}, V={config.VocabSize}), " +
            $"tasks {string.Join(",", s.Tasks)}, {s.DType.Name()}, {s.Steps} steps × batch {s.BatchSize} × ≤{s.SeqLen} tokens, lr {s.LearningRate}");

        var corpus = new SyntheticCorpus(s.Seed);
        var batches = new LengthBucketedBatches(corpus, tokenizer, s.BatchSize, s.SeqLen, s.Tasks);
        var curve = new LossCurve();
        var total = Stopwatch.StartNew();
        long tokensSeen = 0;
        int logEvery = Math.Max(1, s.Steps / 20);
        AnsiConsole.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn())
            .Start(ctx =>
            {
                var task = ctx.AddTask("training", maxValue: s.Steps);
                var recent = new Queue<float>();
                for (int step = 1; step <= s.Steps; step++)
                {
                    float lr = WarmupCosineSchedule.At(step, s.LearningRate, s.WarmupSteps, s.Steps);
                    engine.Optimizer.Options = engine.Optimizer.Options with { LearningRate = lr };
                    var batch = batches.Next();
                    var sw = Stopwatch.StartNew();
                    var result = engine.TrainLanguageModelStep(batch);
                    double ms = sw.Elapsed.TotalMilliseconds;
                    if (!float.IsFinite(result.Loss))
                        throw new InvalidOperationException($"train-lm: loss became {result.Loss} at step {step}; try a lower --lr");
                    int realTokens = batch.Lengths.Sum();
                    tokensSeen += realTokens;
                    curve.Add(new LossCurve.Point(step, result.Loss, lr, ms, result.Tokens, result.Step.Applied));
                    recent.Enqueue(result.Loss);
                    if (recent.Count > 20) recent.Dequeue();
                    string line = string.Create(CultureInfo.InvariantCulture,
                        $"step {step}/{s.Steps} loss {recent.Average():F3} | {ms:F0} ms/step | {realTokens / (ms / 1000):F0} tok/s");
                    task.Description = line;
                    task.Increment(1);
                    if (step % logEvery == 0 || step == s.Steps) AnsiConsole.WriteLine(line);
                }
            });

        Directory.CreateDirectory(s.OutputDirectory);
        // The last steps' mean: one batch's loss depends on which tasks it happened to draw.
        float finalLoss = curve.Points.TakeLast(20).Average(p => p.Loss);
        var metadata = new Dictionary<string, string>
        {
            ["precision.trained_by"] = "precision train-lm",
            ["precision.steps"] = s.Steps.ToString(CultureInfo.InvariantCulture),
            ["precision.dtype"] = s.DType.Name(),
            ["precision.seed"] = s.Seed.ToString(CultureInfo.InvariantCulture),
            ["precision.tasks"] = string.Join(",", s.Tasks),
            ["precision.final_loss"] = finalLoss.ToString("R", CultureInfo.InvariantCulture),
        };
        ModelCheckpoint.Save(s.OutputDirectory, config, engine.Layout, engine.MasterWeights, metadata);
        tokenizer.Save(s.OutputDirectory);
        File.WriteAllText(Path.Combine(s.OutputDirectory, "loss.csv"), curve.ToCsv());
        File.WriteAllText(Path.Combine(s.OutputDirectory, "loss.svg"), curve.ToSvg($"train-lm loss ({s.DType.Name()}, {engine.Layout.TotalCount:N0} params)"));
        AnsiConsole.MarkupLine(CultureInfo.InvariantCulture,
            $"trained {s.Steps} steps in {total.Elapsed.TotalSeconds:F0} s ({tokensSeen / total.Elapsed.TotalSeconds:F0} tok/s); final loss {finalLoss:F4} (mean of the last 20 steps)");
        AnsiConsole.MarkupLineInterpolated($"saved checkpoint, tokenizer, loss.csv and loss.svg to [green]{s.OutputDirectory}[/]");

        ShowSamples(engine, tokenizer, s.Seed, s.Tasks);
        return 0;
    }

    /// <summary>A few temperature-1 continuations of held-out prompts, so a person can see what was learned.</summary>
    private static void ShowSamples(TrainingEngine engine, CharTokenizer tokenizer, int seed, IReadOnlyCollection<string> tasks)
    {
        var rollout = new RolloutEngine(engine.Config, DType.Fp32);
        rollout.LoadWeights(engine.MasterWeights, 0);
        var prompts = new SyntheticCorpus(HeldOutSeeds.Samples(seed)).Take(6, tasks);
        var outputs = rollout.Generate(prompts.Select(p => p.PromptTokens(tokenizer)).ToArray(),
            new SamplingOptions { Temperature = 1f, MaxNewTokens = 200, StopTokens = [CharTokenizer.EosId], Seed = (ulong)seed });
        var table = new Table().AddColumn("prompt").AddColumn("sampled response (T = 1)");
        for (int i = 0; i < prompts.Count; i++)
            table.AddRow(Markup.Escape(prompts[i].Prompt), Markup.Escape(tokenizer.Decode(outputs[i].Tokens)));
        AnsiConsole.Write(table);
    }
}
