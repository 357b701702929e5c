using System.Text.Json;
using Precision.Orleans.Abstractions;
using Precision.Orleans.Engine.Kernels;
using Precision.Orleans.Engine.Rollout;
using Precision.Orleans.Engine.Training;

namespace Precision.Orleans.Bench;

/// <summary>
/// Whole-engine throughput against PyTorch peers running an independent model of the same config:
/// a training step (forward + backward + AdamW) and batched KV-cache decode.
/// </summary>
internal static class EngineBenchmarks
{
    public static int TrainStep(BenchArgs args)
    {
        int threads = args.Int("--threads", 2), batch = args.Int("--batch", 8), seq = args.Int("--seq", 256), steps = args.Int("--steps", 3);
        var model = BenchModel.Default();
        GemmDriver.ThreadCount = threads;
        double peak = GemmBenchmark.PeakGflops(threads);
        int tokens = batch * seq;
        Console.WriteLine($"== train-step: B={batch} T={seq} ({tokens} tokens), threads={threads}, params={model.ParameterCount:N0}");
        Console.WriteLine($"config: {model.CompactJson}");
        double flops = model.TrainStepFlops(batch, seq);
        Console.WriteLine($"peak GEMM (ours, fp32, best of 1024³/1536³) = {peak:F1} GFLOP/s; step FLOPs = 6·(matmul params {model.MatmulParameterCount:N0})·tokens"
            + $" + causal attention 6·L·B·T²·qdim = {flops / 1e9:F1} GFLOP; util = FLOPs / step time / peak");
        Console.WriteLine($"{"engine",-16} {"ms/step",9} {"tokens/s",10} {"GFLOP/s",8} {"util",6} {"vs torch",9}");

        var rng = new Random(7);
        var sequences = Enumerable.Range(0, batch).Select(_ => Enumerable.Range(0, seq).Select(_ => rng.Next(model.Config.VocabSize)).ToArray()).ToArray();
        var torch = args.Has("--no-torch") ? null : TorchPeer.Run("torch_train_step.py", "--config", model.Config.ToJson(), "--batch", batch.ToString(), "--seq", seq.ToString(),
            "--steps", steps.ToString(), "--threads", threads.ToString());
        double torchTps = torch is { } t ? t.GetProperty("tokens_per_s").GetDouble() : double.NaN;
        if (torch is { } tj) Row("torch fp32", tj.GetProperty("ms_per_step").GetDouble() / 1e3, tokens, flops, peak, double.NaN);

        foreach (var dtype in args.DTypes())
        {
            var engine = new TrainingEngine(model.Config, new TrainingOptions { ComputeDType = dtype }, null, seed: 1);
            var tokenBatch = TokenBatch.FromSequences(sequences);
            void Step()
            {
                var logp = engine.Forward(tokenBatch);
                float count = tokenBatch.TargetMask.Sum();
                var dLogp = new float[logp.Length];
                for (int i = 0; i < dLogp.Length; i++) dLogp[i] = -tokenBatch.TargetMask[i] / count;
                engine.Backward(dLogp);
                engine.OptimizerStep();
            }
            double best = Timing.BestOf(steps, Step);
            Row($"ours {dtype.Name()}", best, tokens, flops, peak, torchTps);
        }
        return 0;
    }

    public static int Decode(BenchArgs args)
    {
        int threads = args.Int("--threads", 2), batch = args.Int("--batch", 64), prompt = args.Int("--prompt", 16), newTokens = args.Int("--new", 64);
        var model = BenchModel.Default();
        GemmDriver.ThreadCount = threads;
        Console.WriteLine($"== decode: batch={batch}, prompt={prompt} tokens fed one per step, {newTokens} new tokens each, sampled (T=1), threads={threads}, params={model.ParameterCount:N0}");
        Console.WriteLine($"config: {model.CompactJson}");
        Console.WriteLine($"{"engine",-16} {"seconds",8} {"new tokens/s",13} {"vs torch",9}");

        var rng = new Random(11);
        var prompts = Enumerable.Range(0, batch).Select(_ => Enumerable.Range(0, prompt).Select(_ => rng.Next(model.Config.VocabSize)).ToArray()).ToArray();
        var torch = args.Has("--no-torch") ? null : TorchPeer.Run("torch_decode.py", "--config", model.Config.ToJson(), "--batch", batch.ToString(), "--prompt", prompt.ToString(),
            "--new", newTokens.ToString(), "--threads", threads.ToString());
        double torchTps = torch is { } t ? t.GetProperty("tokens_per_s").GetDouble() : double.NaN;
        if (torch is not null) Console.WriteLine($"{"torch fp32",-16} {batch * newTokens / torchTps,8:F2} {torchTps,13:F0} {1.0,9:F2}");

        var master = new TrainingEngine(model.Config, new TrainingOptions(), null, seed: 1).MasterWeights;
        foreach (var dtype in args.DTypes())
        {
            var engine = new RolloutEngine(model.Config, dtype, batch);
            engine.LoadWeights(master, 1);
            engine.Generate(prompts, new SamplingOptions { MaxNewTokens = 4, Seed = 1 }); // warm-up
            int generated = 0;
            double seconds = Timing.Once(() =>
                generated = engine.Generate(prompts, new SamplingOptions { MaxNewTokens = newTokens, Seed = 2 }).Sum(s => s.Tokens.Length));
            double tps = generated / seconds;
            Console.WriteLine($"{"ours " + dtype.Name(),-16} {seconds,8:F2} {tps,13:F0} {tps / torchTps,9:F2}");
        }
        return 0;
    }

    private static void Row(string name, double seconds, int tokens, double flops, double peak, double torchTps)
    {
        double tps = tokens / seconds;
        double gflops = flops / seconds / 1e9;
        string vs = double.IsNaN(torchTps) ? "1.00" : (tps / torchTps).ToString("F2");
        Console.WriteLine($"{name,-16} {seconds * 1e3,9:F0} {tps,10:F0} {gflops,8:F1} {gflops / peak,6:P0} {vs,9}");
    }
}
