using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using Precision.Orleans.Abstractions;
using Precision.Orleans.Engine.Checkpoints;
using Precision.Orleans.Engine.Model;

namespace Precision.Orleans.Bench;

/// <summary>
/// Loading a ~500M-parameter Hugging Face checkpoint (the Qwen2.5-0.5B shape, random, BF16 on disk in 256 MiB shards):
/// load time and peak resident memory (VmHWM of a fresh child process that only loads) against the converted weights,
/// once to FP32 and once to FP16 with the range report (clamp policy: a few planted values overflow). Peer: reading
/// the same files' bytes sequentially into a reused 32 MiB buffer (the I/O floor of any loader), in the same run.
/// Usage: hf-load [--dir DIR] (an existing DIR is reused, else a temp directory is written and deleted).
/// </summary>
internal static class HfLoadBenchmark
{
    public static ModelConfig Shape => new()
    {
        ModelType = "qwen2", VocabSize = 151936, HiddenSize = 896, IntermediateSize = 4864, NumHiddenLayers = 24,
        NumAttentionHeads = 14, NumKeyValueHeads = 2, RopeTheta = 1_000_000f, RmsNormEps = 1e-6f, TieWordEmbeddings = true,
        MaxPositionEmbeddings = 32768,
    };

    public static int Run(BenchArgs args)
    {
        string? given = args.Get("--dir");
        string dir = given ?? Path.Combine(Path.GetTempPath(), "precision-hf-load-" + Guid.NewGuid().ToString("N"));
        try
        {
            var layout = new ParameterLayout(Shape);
            if (!File.Exists(Path.Combine(dir, SafetensorsIndex.FileName)))
            {
                double write = Timing.Once(() => Write(dir, layout));
                Console.WriteLine($"wrote {layout.TotalCount:N0} random parameters as BF16 shards in {write:F1} s to {dir}");
                GC.Collect();
            }
            long fileBytes = Directory.GetFiles(dir, "*.safetensors").Sum(f => new FileInfo(f).Length);
            long converted = layout.TotalCount * sizeof(float);

            double floor = Timing.Once(() => ReadBytes(dir));
            Console.WriteLine($"hf-load: {layout.TotalCount:N0} params (qwen2, Qwen2.5-0.5B shape), {Directory.GetFiles(dir, "model-*").Length} BF16 shards, {fileBytes / 1e6:F1} MB on disk (page cache warm)");
            Console.WriteLine($"{"target",-8} {"load s",8} {"floor s",8} {"×floor",7} {"converted MB",13} {"peak RSS MB",12} {"RSS/conv",9}  fp16 report");
            foreach (var target in new[] { DType.Fp32, DType.Fp16 })
            {
                var r = Child(dir, target);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{target.Name(),-8} {r.Seconds,8:F2} {floor,8:F2} {r.Seconds / floor,6:F1}× {converted / 1e6,13:F1} {r.PeakRssBytes / 1e6,12:F1} {(double)r.PeakRssBytes / converted,8:F3}×  {r.Report}"));
            }
            Console.WriteLine("target: peak RSS ≤ 1.2× the converted weights");
            return 0;
        }
        finally
        {
            if (given is null && Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>The child: load once, report time and VmHWM. Nothing else touches memory in this process.</summary>
    public static int ChildMain(BenchArgs args)
    {
        string dir = args.Get("--dir")!;
        var target = DTypeNames.Parse(args.Get("--target"));
        LoadedCheckpoint? loaded = null;
        double seconds = Timing.Once(() => loaded = HfCheckpoint.Load(dir, new HfLoadOptions { TargetDType = target, Fp16Policy = Fp16RangePolicy.Clamp }));
        string report = loaded!.Fp16Range is { } r ? $"{r.Total.Overflow} overflow (clamped), {r.Total.Underflow} underflow, {r.Total.Subnormal} subnormal" : "-";
        Console.WriteLine(JsonSerializer.Serialize(new ChildResult(seconds, VmHwm(), report)));
        GC.KeepAlive(loaded);
        return 0;
    }

    private sealed record ChildResult(double Seconds, long PeakRssBytes, string Report);

    private static ChildResult Child(string dir, DType target)
    {
        var psi = new ProcessStartInfo(Environment.ProcessPath!) { RedirectStandardOutput = true, UseShellExecute = false };
        // Under `dotnet X.dll` the process is the host and needs the assembly; an apphost needs nothing.
        if (Path.GetFileNameWithoutExtension(Environment.ProcessPath) == "dotnet") psi.ArgumentList.Add(typeof(HfLoadBenchmark).Assembly.Location);
        foreach (string a in new[] { "hf-load-child", "--dir", dir, "--target", target.Name() }) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        string output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0) throw new InvalidOperationException($"hf-load child failed ({p.ExitCode}): {output}");
        return JsonSerializer.Deserialize<ChildResult>(output.Trim().Split('\n')[^1])!;
    }

    private static long VmHwm()
    {
        foreach (string line in File.ReadLines("/proc/self/status"))
            if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
        throw new InvalidOperationException("/proc/self/status has no VmHWM");
    }

    private static void ReadBytes(string dir)
    {
        var buffer = new byte[32 << 20];
        foreach (string f in Directory.GetFiles(dir, "*.safetensors"))
        {
            using var s = new FileStream(f, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
            while (s.Read(buffer) > 0) { }
        }
    }

    private static void Write(string dir, ParameterLayout layout)
    {
        var w = new float[layout.TotalCount];
        // xorshift uniforms in ±0.05 (Box–Muller for 500M values would dominate the setup), norms 1, biases 0.
        ulong state = 0x9E3779B97F4A7C15;
        foreach (var p in layout.Parameters)
        {
            var span = w.AsSpan((int)p.Offset, (int)p.Count);
            if (p.Name.EndsWith("norm.weight", StringComparison.Ordinal)) { span.Fill(1f); continue; }
            if (p.Name.EndsWith(".bias", StringComparison.Ordinal)) continue;
            for (int i = 0; i < span.Length; i++)
            {
                state ^= state << 13; state ^= state >> 7; state ^= state << 17;
                span[i] = ((state >> 40) / (float)(1 << 24) - 0.5f) * 0.1f;
            }
        }
        // A few values beyond FP16's range, as in real BF16 checkpoints with outlier weights.
        long down = layout["model.layers.3.mlp.down_proj.weight"].Offset;
        w[down] = 70000f; w[down + 1] = -2e5f; w[down + 2] = 1e6f;
        HfCheckpointWriter.Save(dir, layout.Config, layout, w, new HfSaveOptions { StorageDType = DType.Bf16, MaxShardBytes = 256L << 20 });
    }
}
