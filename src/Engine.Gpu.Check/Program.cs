using System.Globalization;
using Precision.Orleans.Abstractions;
using Precision.Orleans.Engine.Backends;
using Precision.Orleans.Engine.Gpu;
using Precision.Orleans.Engine.Gpu.Check;

// gpu-check SUBCOMMAND [--simulate] [--report FILE] [options]: the device checks and benchmarks scripts/gpu-check.sh runs.
// --simulate runs the same kernels on ILGPU's CPU accelerator (dry runs without a GPU).
const string Usage = "usage: gpu-check selftest|make-model|gemm|train|decode|logits [--simulate] [--report FILE] [options]";
if (args.Length == 0 || args[0] is "-h" or "--help")
{
    Console.WriteLine(Usage);
    return args.Length == 0 ? 2 : 0;
}
try
{
    var options = new CheckArguments(args.Skip(1));
    CheckReport.File = options.String("report");
    bool simulate = options.Flag("simulate");
    DType Dtype(string name, string fallback) => DTypeNames.Parse(options.String(name) ?? fallback);
    GpuKernelSet OpenDevice() => new(GpuDevice.Open(simulate ? GpuAcceleratorKind.CpuSimulator : GpuAcceleratorKind.Cuda));
    switch (args[0])
    {
        case "selftest":
        {
            options.RejectUnknown();
            using var device = OpenDevice();
            SelfTestCommand.Run(device);
            break;
        }
        case "make-model":
        {
            string preset = options.String("preset") ?? "qwen2-0.5b", output = options.Required("out");
            int seed = options.Int("seed", 1);
            options.RejectUnknown();
            BenchmarkCommands.MakeModel(preset, output, seed);
            break;
        }
        case "gemm":
        {
            var shapes = (options.String("shapes") ?? "4096x4096x4096").Split(',').Select(ParseShape).ToArray();
            var dtypes = (options.String("dtypes") ?? "fp16,bf16").Split(',').Select(DTypeNames.Parse).ToArray();
            int iterations = options.Int("iterations", 20);
            string path = options.String("path") ?? "cublaslt";
            options.RejectUnknown();
            if (path is not ("cublaslt" or "ilgpu")) throw new ArgumentException($"--path: '{path}' is not cublaslt or ilgpu");
            using var device = OpenDevice();
            BenchmarkCommands.Gemm(device, shapes, dtypes, iterations, path == "cublaslt");
            break;
        }
        case "train":
        {
            string model = options.Required("model");
            int batch = options.Int("batch", 8), seq = options.Int("seq", 512);
            var dtype = Dtype("dtype", "bf16");
            double seconds = options.Int("seconds", 20), peak = options.Int("peak-tflops", 989);
            options.RejectUnknown();
            using var device = OpenDevice();
            BenchmarkCommands.Train(device, model, batch, seq, dtype, seconds, peak);
            break;
        }
        case "decode":
        {
            string model = options.Required("model");
            int batch = options.Int("batch", 64), newTokens = options.Int("new-tokens", 64);
            var dtype = Dtype("dtype", "bf16");
            options.RejectUnknown();
            using var device = OpenDevice();
            BenchmarkCommands.Decode(device, model, batch, newTokens, dtype);
            break;
        }
        case "logits":
        {
            string model = options.Required("model"), output = options.Required("out");
            var tokens = options.Required("tokens").Split(',').Select(t => int.Parse(t, CultureInfo.InvariantCulture)).ToArray();
            var dtype = Dtype("dtype", "fp32");
            options.RejectUnknown();
            using var device = OpenDevice();
            BenchmarkCommands.Logits(device, model, tokens, dtype, output);
            break;
        }
        default:
            Console.Error.WriteLine($"gpu-check: unknown subcommand '{args[0]}'; {Usage}");
            return 2;
    }
    return CheckReport.Failures == 0 ? 0 : 1;
}
catch (Exception e) when (e is ArgumentException or ComputeDeviceUnavailableException or FormatException or IOException or InvalidDataException)
{
    Console.Error.WriteLine($"gpu-check {args[0]}: {e.Message}");
    return 2;
}

static (int M, int N, int K) ParseShape(string text)
{
    var parts = text.Split('x');
    if (parts.Length != 3 || !parts.All(p => int.TryParse(p, NumberStyles.Integer, CultureInfo.InvariantCulture, out int v) && v > 0))
        throw new ArgumentException($"--shapes: '{text}' is not MxNxK");
    return (int.Parse(parts[0], CultureInfo.InvariantCulture), int.Parse(parts[1], CultureInfo.InvariantCulture), int.Parse(parts[2], CultureInfo.InvariantCulture));
}
