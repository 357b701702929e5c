using System.Diagnostics;
using Precision.Orleans.Abstractions;
using Precision.Orleans.Engine.Checkpoints;
using Precision.Orleans.Engine.Model;
using Precision.Orleans.Engine.Rollout;
using Precision.Orleans.Engine.Training;

namespace Precision.Orleans.Engine.Gpu.Check;

/// <summary>
/// The measurements gpu-check.sh compares with PyTorch on the same GPU: GEMM TFLOP/s, a training step's tokens/s and
/// MFU, rollout decode tokens/s, and logits written for the transformers comparison. Each prints one JSON line.
/// </summary>
internal static class BenchmarkCommands
{
    /// <summary>make-model: a random-initialised model of a preset saved in the Hugging Face layout (config.json + safetensors).</summary>
    public static void MakeModel(string preset, string directory, int seed)
    {
        var config = ModelPresets.Get(preset);
        var layout = new ParameterLayout(config);
        var weights = new float[layout.TotalCount];
        layout.InitializeRandom(weights, seed);
        HfCheckpointWriter.Save(directory, config, layout, weights, new HfSaveOptions { MaxShardBytes = 1L << 30 });
        CheckReport.Write("make-model", ("preset", preset), ("parameters", layout.TotalCount), ("directory", directory));
    }

    public static void Gemm(GpuKernelSet device, IEnumerable<(int M, int N, int K)> shapes, IEnumerable<DType> dtypes, int iterations, bool cublas)
    {
        if (cublas && !device.GemmPath.StartsWith("cuBLASLt", StringComparison.Ordinal))
        {
            CheckReport.Write("gemm", ("path", "cublaslt"), ("skipped", device.GemmPath));
            return;
        }
        foreach (var (m, n, k) in shapes)
            foreach (var dtype in dtypes)
            {
                double seconds = device.TimeGemm(m, n, k, dtype, iterations, cublas);
                CheckReport.Write("gemm", ("shape", $"{m}x{n}x{k}"), ("dtype", dtype.Name()), ("path", cublas ? "cublaslt" : "ilgpu"),
                    ("seconds", seconds), ("tflops", 2.0 * m * n * k / seconds / 1e12));
            }
    }

    /// <summary>train: full training steps (forward, backward, AdamW) of the model on random tokens; tokens/s and MFU (6·P·tokens/s over the peak).</summary>
    public static void Train(GpuKernelSet device, string modelDirectory, int batch, int seqLen, DType dtype, double seconds, double peakTflops)
    {
        var checkpoint = HfCheckpoint.Load(modelDirectory);
        var engine = new TrainingEngine(checkpoint.Config, new TrainingOptions { ComputeDType = dtype, Kernels = device }, checkpoint.Weights);
        var tokens = RandomBatch(checkpoint.Config.VocabSize, batch, seqLen, 7);
        engine.TrainLanguageModelStep(tokens); // warm-up: kernels compiled, buffers allocated
        int steps = 0;
        var clock = Stopwatch.StartNew();
        do
        {
            engine.TrainLanguageModelStep(tokens);
            steps++;
        }
        while (clock.Elapsed.TotalSeconds < seconds);
        double perStep = clock.Elapsed.TotalSeconds / steps;
        double tokensPerSecond = (double)batch * seqLen / perStep;
        double mfu = 6.0 * checkpoint.Layout.TotalCount * tokensPerSecond / (peakTflops * 1e12);
        CheckReport.Write("train-step", ("dtype", dtype.Name()), ("batch", batch), ("seq", seqLen), ("parameters", checkpoint.Layout.TotalCount),
            ("steps", steps), ("seconds_per_step", perStep), ("tokens_per_s", tokensPerSecond), ("mfu", mfu));
    }

    /// <summary>decode: greedy generation of <paramref name="newTokens"/> tokens for <paramref name="batch"/> prompts of 16 tokens; generated tokens/s.</summary>
    public static void Decode(GpuKernelSet device, string modelDirectory, int batch, int newTokens, DType dtype)
    {
        var checkpoint = HfCheckpoint.Load(modelDirectory);
        var engine = new RolloutEngine(checkpoint.Config, dtype, batch, device);
        engine.LoadWeights(checkpoint.Weights, 1);
        var rng = new Random(8);
        var prompts = Enumerable.Range(0, batch).Select(_ => Enumerable.Range(0, 16).Select(_ => rng.Next(checkpoint.Config.VocabSize)).ToArray()).ToArray();
        // no end-of-sequence token: every sequence generates the full budget
        var options = new SamplingOptions { Temperature = 0f, MaxNewTokens = newTokens };
        engine.Generate(prompts[..1], options with { MaxNewTokens = 2 }); // warm-up
        var clock = Stopwatch.StartNew();
        var result = engine.Generate(prompts, options);
        double elapsed = clock.Elapsed.TotalSeconds;
        long generated = result.Sum(r => (long)r.Tokens.Length);
        CheckReport.Write("decode", ("dtype", dtype.Name()), ("batch", batch), ("new_tokens", newTokens), ("generated", generated),
            ("seconds", elapsed), ("tokens_per_s", generated / elapsed));
    }

    /// <summary>logits: the training engine's [T, V] logits of one token sequence, raw little-endian FP32, for the transformers comparison.</summary>
    public static void Logits(GpuKernelSet device, string modelDirectory, int[] tokens, DType dtype, string output)
    {
        var checkpoint = HfCheckpoint.Load(modelDirectory);
        var engine = new TrainingEngine(checkpoint.Config, new TrainingOptions { ComputeDType = dtype, Kernels = device }, checkpoint.Weights);
        var logits = engine.ComputeLogits(TokenBatch.FromSequences([tokens]));
        var bytes = new byte[logits.Length * sizeof(float)];
        Buffer.BlockCopy(logits, 0, bytes, 0, bytes.Length);
        string temp = output + ".tmp";
        File.WriteAllBytes(temp, bytes);
        File.Move(temp, output, overwrite: true);
        CheckReport.Write("logits", ("dtype", dtype.Name()), ("tokens", tokens.Length), ("vocab", checkpoint.Config.VocabSize), ("file", output));
    }

    private static TokenBatch RandomBatch(int vocab, int batch, int seqLen, int seed)
    {
        var rng = new Random(seed);
        return TokenBatch.FromSequences(Enumerable.Range(0, batch).Select(_ => Enumerable.Range(0, seqLen).Select(_ => rng.Next(vocab)).ToArray()).ToList());
    }
}
