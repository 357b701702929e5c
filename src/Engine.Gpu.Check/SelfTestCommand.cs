using Precision.Orleans.Abstractions;
using Precision.Orleans.Engine.Backends;
using Precision.Orleans.Engine.Model;
using Precision.Orleans.Engine.Rollout;
using Precision.Orleans.Engine.Training;

namespace Precision.Orleans.Engine.Gpu.Check;

/// <summary>
/// The device against the CPU engine (the reference): GEMMs through the device's GEMM path (cuBLASLt on a GPU) in each
/// dtype; a random-initialised Qwen2's per-layer outputs, log-probabilities and gradients in FP32 (≤ 1e-4 relative)
/// and in BF16/FP16 (the dtype's tolerance); greedy tokens of both engines in FP32 (identical).
/// </summary>
internal static class SelfTestCommand
{
    public static void Run(GpuKernelSet device)
    {
        CheckReport.Write("device", ("name", device.Name), ("gemm", device.GemmPath));
        var cpu = CpuKernelSet.Instance;
        var rng = new Random(1);
        foreach (var (m, n, k) in new[] { (128, 96, 256), (77, 131, 64) })
            foreach (var dtype in new[] { DType.Fp32, DType.Bf16, DType.Fp16 })
            {
                var a = RandomValues(rng, m * k, dtype);
                var b = RandomValues(rng, n * k, dtype);
                var (c, g) = (new float[m * n], new float[m * n]);
                cpu.MatMul(false, true, m, n, k, a, k, b, k, c, n, dtype);
                device.MatMul(false, true, m, n, k, a, k, b, k, g, n, dtype);
                float err = CheckReport.MaxRelativeError(c, g, 1e-2f);
                float tol = Tolerance(dtype);
                CheckReport.Write("gemm-parity", ("shape", $"{m}x{n}x{k}"), ("dtype", dtype.Name()), ("max_rel_err", err), ("tolerance", tol), ("pass", err <= tol));
            }

        var config = ModelPresets.Get("tiny");
        var batch = TokenBatch.FromSequences([[1, 50, 99, 3, 7, 2, 400, 17, 5], [4, 4, 8, 1, 300, 12]]);
        foreach (var dtype in new[] { DType.Fp32, DType.Bf16, DType.Fp16 })
            EngineParity(device, config, batch, dtype);
        GreedyParity(device, config);
    }

    private static void EngineParity(GpuKernelSet device, ModelConfig config, TokenBatch batch, DType dtype)
    {
        var options = new TrainingOptions { ComputeDType = dtype, LossScaler = new LossScalerOptions { Enabled = false } };
        var cpuEngine = new TrainingEngine(config, options, seed: 2);
        var gpuEngine = new TrainingEngine(config, options with { Kernels = device }, (float[])cpuEngine.MasterWeights.Clone());
        var lpc = cpuEngine.Forward(batch);
        var lpg = gpuEngine.Forward(batch);
        float tol = dtype == DType.Fp32 ? 1e-4f : Tolerance(dtype) * 4;
        for (int l = 0; l <= config.NumHiddenLayers; l++)
        {
            float err = CheckReport.MaxRelativeError(cpuEngine.Activations!.Residual[l], gpuEngine.Activations!.Residual[l], 1e-2f);
            CheckReport.Write("layer-output-parity", ("dtype", dtype.Name()), ("layer", l), ("max_rel_err", err), ("tolerance", tol), ("pass", err <= tol));
        }
        float lpErr = CheckReport.MaxRelativeError(lpc, lpg, 1e-1f);
        CheckReport.Write("logprob-parity", ("dtype", dtype.Name()), ("max_rel_err", lpErr), ("tolerance", tol), ("pass", lpErr <= tol));
        var dl = new float[lpc.Length];
        Array.Fill(dl, -1f / dl.Length);
        cpuEngine.Backward(dl);
        gpuEngine.Backward(dl);
        float max = 0f;
        foreach (float x in cpuEngine.Gradients) max = MathF.Max(max, MathF.Abs(x));
        // fp32: every element within 1e-4 relative; 16-bit: a gradient is the end of a long chain of dtype roundings, so
        // the whole vector's relative L2 error is held to the dtype's tolerance (the worst element is reported too)
        float gErr = CheckReport.MaxRelativeError(cpuEngine.Gradients, gpuEngine.Gradients, 1e-3f * max);
        double l2 = RelativeL2(cpuEngine.Gradients, gpuEngine.Gradients);
        bool pass = max > 0f && (dtype == DType.Fp32 ? gErr <= 1e-4f : l2 <= Tolerance(dtype));
        CheckReport.Write("gradient-parity", ("dtype", dtype.Name()), ("max_rel_err", gErr), ("rel_l2", l2),
            ("tolerance", dtype == DType.Fp32 ? 1e-4f : Tolerance(dtype)), ("pass", pass));
    }

    private static void GreedyParity(GpuKernelSet device, ModelConfig config)
    {
        var layout = new ParameterLayout(config);
        var weights = new float[layout.TotalCount];
        layout.InitializeRandom(weights, 3);
        var cpu = new RolloutEngine(config, DType.Fp32, 4);
        var gpu = new RolloutEngine(config, DType.Fp32, 4, device);
        cpu.LoadWeights(weights, 1);
        gpu.LoadWeights(weights, 1);
        var options = new SamplingOptions { Temperature = 0f, MaxNewTokens = 16 };
        int[][] prompts = [[1, 2, 3], [9, 8], [100, 200, 300, 400], [5]];
        var a = cpu.Generate(prompts, options);
        var b = gpu.Generate(prompts, options);
        int same = 0, total = 0;
        for (int i = 0; i < prompts.Length; i++)
        {
            total += a[i].Tokens.Length;
            for (int t = 0; t < Math.Min(a[i].Tokens.Length, b[i].Tokens.Length); t++)
                if (a[i].Tokens[t] == b[i].Tokens[t]) same++;
                else break;
        }
        CheckReport.Write("greedy-token-parity", ("dtype", "fp32"), ("identical_tokens", same), ("tokens", total), ("pass", same == total));
    }

    private static double RelativeL2(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual)
    {
        double diff = 0, norm = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            double d = (double)actual[i] - expected[i];
            diff += d * d;
            norm += (double)expected[i] * expected[i];
        }
        return Math.Sqrt(diff / norm);
    }

    private static float Tolerance(DType dtype) => dtype switch { DType.Bf16 => 1.6e-2f, DType.Fp16 => 2e-3f, _ => 1e-4f };

    private static float[] RandomValues(Random rng, int n, DType dtype)
    {
        var x = new float[n];
        for (int i = 0; i < n; i++) x[i] = Numerics.DTypeRounding.Round((float)(rng.NextDouble() * 2 - 1), dtype);
        return x;
    }
}
