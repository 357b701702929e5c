using Precision.Orleans.Abstractions;
using Precision.Orleans.Engine.Kernels;
using Precision.Orleans.Engine.Lora;
using Precision.Orleans.Engine.Model;
using Precision.Orleans.Engine.Rollout;
using Precision.Orleans.Engine.Training;

namespace Precision.Orleans.Bench;

/// <summary>
/// LoRA against full fine-tuning on the bench model, in the same run: a training step (the frozen base skips its
/// weight-gradient GEMMs and its AdamW update) and rollout decode with merged vs unmerged adapters vs the plain base.
/// </summary>
internal static class LoraBenchmark
{
    public static int Run(BenchArgs args)
    {
        int threads = args.Int("--threads", 2), batch = args.Int("--batch", 4), seq = args.Int("--seq", 128), steps = args.Int("--steps", 2);
        int rank = args.Int("--rank", 8), decodeBatch = args.Int("--decode-batch", 16), newTokens = args.Int("--new", 32);
        var model = BenchModel.Default();
        var dtype = args.DTypes()[0];
        GemmDriver.ThreadCount = threads;
        var lora = new LoraConfig { Rank = rank, Alpha = 2 * rank };
        var master = new float[model.ParameterCount];
        new ParameterLayout(model.Config).InitializeRandom(master, 1);
        Console.WriteLine($"== lora: {dtype.Name()}, r={rank} alpha={2 * rank} on all seven modules, threads={threads}, params={model.ParameterCount:N0}");

        var rng = new Random(7);
        var tokens = TokenBatch.FromSequences([.. Enumerable.Range(0, batch).Select(_ => Enumerable.Range(0, seq).Select(_ => rng.Next(model.Config.VocabSize)).ToArray())]);
        double fullStep = 0;
        foreach (var options in new[] { new TrainingOptions { ComputeDType = dtype }, new TrainingOptions { ComputeDType = dtype, Lora = lora } })
        {
            var engine = new TrainingEngine(model.Config, options, (float[])master.Clone(), seed: 1);
            double s = Timing.BestOf(steps, () => engine.TrainLanguageModelStep(tokens));
            if (options.Lora is null) fullStep = s;
            Console.WriteLine($"train step {(options.Lora is null ? "full" : "lora"),-5} B={batch} T={seq}: {s * 1e3,8:F1} ms  trainable {engine.TrainableParameters,11:N0}  AdamW state {engine.OptimizerStateBytes,12:N0} B"
                + (options.Lora is null ? "" : $"  step time vs full {s / fullStep:F2}x"));
        }

        var layout = new LoraLayout(new ParameterLayout(model.Config), lora);
        var adapters = new float[layout.TotalCount];
        layout.InitializePeft(adapters, 2);
        var prompts = Enumerable.Range(0, decodeBatch).Select(_ => Enumerable.Range(0, 8).Select(_ => rng.Next(model.Config.VocabSize)).ToArray()).ToArray();
        double baseTps = 0;
        foreach (var mode in new LoraRolloutMode?[] { null, LoraRolloutMode.Merged, LoraRolloutMode.Unmerged })
        {
            var engine = new RolloutEngine(model.Config, dtype);
            if (mode is { } m) engine.LoadWeights(master, layout, adapters, m, 1);
            else engine.LoadWeights(master, 1);
            engine.Generate(prompts, new SamplingOptions { MaxNewTokens = 4, Seed = 1 });
            int generated = 0;
            double s = Timing.Once(() => generated = engine.Generate(prompts, new SamplingOptions { MaxNewTokens = newTokens, Seed = 2 }).Sum(x => x.Tokens.Length));
            double tps = generated / s;
            if (mode is null) baseTps = tps;
            Console.WriteLine($"decode {(mode?.ToString() ?? "base"),-9} batch={decodeBatch}: {tps,8:F0} tokens/s" + (mode is null ? "" : $"  vs base {tps / baseTps:F2}x"));
        }
        return 0;
    }
}
