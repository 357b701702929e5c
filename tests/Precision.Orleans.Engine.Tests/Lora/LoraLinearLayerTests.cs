using System.Diagnostics;
using System.Text.Json;
using Precision.Orleans.Abstractions;
using Precision.Orleans.Engine.Layers;
using Precision.Orleans.Engine.Lora;
using Precision.Orleans.Engine.Tests.Checkpoints;
using Precision.Orleans.Engine.Tests.Parity;
using Precision.Orleans.Engine.Tests.Reference;
using Xunit;
using Xunit.Abstractions;
using static Precision.Orleans.Engine.Tests.Training.GradientCheck;

namespace Precision.Orleans.Engine.Tests.Lora;

/// <summary>One LoRA linear (base W, b frozen; adapters A, B) in FP32: FP64 finite differences and PyTorch parity.</summary>
public class LoraLinearLayerTests(ITestOutputHelper output)
{
    private const int N = 9, In = 40, Out = 24, Rank = 4;
    private const float Scale = 2.5f;

    private sealed record Case(float[] X, float[] W, float[] Bias, float[] A, float[] B, float[] Dy);

    private static Case MakeCase(int seed)
    {
        var rng = new Random(seed);
        return new Case(Random(rng, N * In), Random(rng, Out * In), Random(rng, Out), Random(rng, Rank * In), Random(rng, Out * Rank), Random(rng, N * Out));
    }

    private static (float[] Y, float[] Dx, float[] DA, float[] DB) Engine(Case c)
    {
        var y = new float[N * Out];
        var u = new float[N * Rank];
        var v = new float[N * Out];
        LinearLayer.Forward(c.X, c.W, c.Bias, y, N, Out, In, DType.Fp32);
        LoraLinearLayer.Forward(c.X, c.A, c.B, Scale, y, u, v, N, Out, In, Rank, DType.Fp32);
        var dx = new float[N * In];
        var dA = new float[Rank * In];
        var dB = new float[Out * Rank];
        // the base's input gradient first (frozen base: no dW), then the adapter's share added
        LinearLayer.Backward(c.Dy, c.X, c.W, dx, Span<float>.Empty, Span<float>.Empty, N, Out, In, DType.Fp32, accumulateInput: false);
        LoraLinearLayer.Backward(c.Dy, c.X, c.A, c.B, Scale, dx, dA, dB, u, v, new float[N * Rank], N, Out, In, Rank, DType.Fp32);
        return (y, dx, dA, dB);
    }

    private static double[] Reference(double[] x, double[] w, double[] b, double[] a, double[] bb)
    {
        var baseOut = Fp64Reference.Linear(x, w, b, N, Out, In);
        var u = Fp64Reference.Linear(x, a, null, N, Rank, In);
        var z = Fp64Reference.Linear(u, bb, null, N, Out, Rank);
        for (int i = 0; i < z.Length; i++) z[i] = baseOut[i] + Scale * z[i];
        return z;
    }

    [Fact]
    public void Forward_and_dx_dA_dB_match_fp64_finite_differences()
    {
        var c = MakeCase(41);
        var (y, dx, dA, dB) = Engine(c);
        double[] x = ToDouble(c.X), w = ToDouble(c.W), b = ToDouble(c.Bias), a = ToDouble(c.A), bb = ToDouble(c.B), dy = ToDouble(c.Dy);
        AssertClose("forward", y, Reference(x, w, b, a, bb), 1e-5);
        AssertClose("dx", dx, Fp64Reference.FiniteDifference(v => Fp64Reference.Dot(dy, Reference(v, w, b, a, bb)), x, AllCoordinates(x.Length)));
        AssertClose("dA", dA, Fp64Reference.FiniteDifference(v => Fp64Reference.Dot(dy, Reference(x, w, b, v, bb)), a, AllCoordinates(a.Length)));
        AssertClose("dB", dB, Fp64Reference.FiniteDifference(v => Fp64Reference.Dot(dy, Reference(x, w, b, a, v)), bb, AllCoordinates(bb.Length)));
    }

    [Fact]
    public void Gradients_accumulate_into_dA_dB_and_dx()
    {
        var c = MakeCase(42);
        var u = new float[N * Rank];
        var v = new float[N * Out];
        var du = new float[N * Rank];
        var dx = new float[N * In];
        var dA = new float[Rank * In];
        var dB = new float[Out * Rank];
        LoraLinearLayer.Backward(c.Dy, c.X, c.A, c.B, Scale, dx, dA, dB, u, v, du, N, Out, In, Rank, DType.Fp32);
        float[] dx1 = (float[])dx.Clone(), dA1 = (float[])dA.Clone(), dB1 = (float[])dB.Clone();
        Assert.Contains(dA1, g => g != 0f);
        LoraLinearLayer.Backward(c.Dy, c.X, c.A, c.B, Scale, dx, dA, dB, u, v, du, N, Out, In, Rank, DType.Fp32);
        for (int i = 0; i < dx.Length; i++) Assert.Equal(2 * dx1[i], dx[i], 1e-5f);
        for (int i = 0; i < dA.Length; i++) Assert.Equal(2 * dA1[i], dA[i], 1e-5f);
        for (int i = 0; i < dB.Length; i++) Assert.Equal(2 * dB1[i], dB[i], 1e-5f);
    }

    [Fact]
    public void Fp32_forward_and_backward_match_pytorch_within_1e4()
    {
        var c = MakeCase(43);
        var (y, dx, dA, dB) = Engine(c);
        using var dir = new TempDirectory();
        string d = dir.Path;
        File.WriteAllText(Path.Combine(d, "manifest.json"), JsonSerializer.Serialize(new { n = N, @in = In, @out = Out, rank = Rank, scale = Scale }));
        void Write(string name, float[] data) => File.WriteAllBytes(Path.Combine(d, name), System.Runtime.InteropServices.MemoryMarshal.AsBytes(data.AsSpan()).ToArray());
        Write("x.bin", c.X);
        Write("w.bin", c.W);
        Write("b.bin", c.Bias);
        Write("a.bin", c.A);
        Write("bb.bin", c.B);
        Write("dy.bin", c.Dy);
        RunScript(d);
        float[] Read(string name) => System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(File.ReadAllBytes(Path.Combine(d, name))).ToArray();
        var version = JsonDocument.Parse(File.ReadAllText(Path.Combine(d, "out_result.json"))).RootElement.GetProperty("torch_version").GetString();
        foreach (var (what, ours, theirs) in new[] { ("y", y, Read("out_y.bin")), ("dx", dx, Read("out_dx.bin")), ("dA", dA, Read("out_da.bin")), ("dB", dB, Read("out_db.bin")) })
        {
            double rel = RelativeInf(ours, theirs, what);
            output.WriteLine($"{what}: rel {rel:E2} (torch {version})");
            Assert.True(rel <= 1e-4, $"{what} differs from PyTorch by {rel:E3} relative");
        }
    }

    private static double RelativeInf(float[] actual, float[] expected, string what)
    {
        Assert.True(actual.Length == expected.Length, $"{what}: {actual.Length} values, PyTorch has {expected.Length}");
        double diff = 0, scale = 0;
        for (int i = 0; i < actual.Length; i++)
        {
            diff = Math.Max(diff, Math.Abs((double)actual[i] - expected[i]));
            scale = Math.Max(scale, Math.Abs((double)expected[i]));
        }
        Assert.True(scale > 0, $"{what}: PyTorch's values are all zero");
        return diff / scale;
    }

    private static void RunScript(string caseDir)
    {
        string script = Path.Combine(AppContext.BaseDirectory, "Reference", "lora_reference.py");
        Assert.True(File.Exists(script), $"reference script '{script}' is missing from the test output");
        var psi = new ProcessStartInfo(TorchReferenceRunner.Python) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(script);
        psi.ArgumentList.Add(caseDir);
        psi.Environment["OMP_NUM_THREADS"] = "1";
        using var p = Process.Start(psi) ?? throw new InvalidOperationException($"could not start '{TorchReferenceRunner.Python}'");
        var stderr = p.StandardError.ReadToEndAsync();
        var stdout = p.StandardOutput.ReadToEndAsync();
        if (!p.WaitForExit(TorchReferenceRunner.Timeout))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException("lora_reference.py timed out");
        }
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, $"lora_reference.py failed (exit {p.ExitCode}) with '{TorchReferenceRunner.Python}':\n{stderr.Result}\n{stdout.Result}");
    }
}
