using System.Runtime.InteropServices;
using System.Text.Json;
using Precision.Orleans.Abstractions;
using Precision.Orleans.Engine.Model;
using Precision.Orleans.Engine.Tests.Checkpoints;
using Precision.Orleans.Engine.Tests.Training;
using Precision.Orleans.Engine.Training;
using Xunit;
using Xunit.Abstractions;

namespace Precision.Orleans.Engine.Tests.Parity;

/// <summary>One MoE block (router + experts of a sparse layer) given to PyTorch and to the FP32 training engine.</summary>
public sealed class MoeBlockCase
{
    public const int Rows = 16;

    public MoeBlockCase(string name, bool normTopK, int seed)
    {
        Name = name;
        Config = new ModelConfig
        {
            ModelType = "qwen3_moe", VocabSize = 8, HiddenSize = 24, IntermediateSize = 8, NumHiddenLayers = 1,
            NumAttentionHeads = 4, NumKeyValueHeads = 2, NumExperts = 6, NumExpertsPerToken = 2, MoeIntermediateSize = 12,
            NormTopKProb = normTopK,
        };
        var layout = new ParameterLayout(Config);
        Weights = TinyModels.Weights(layout, seed);
        var rng = new Random(seed + 1);
        X = GradientCheck.Random(rng, Rows * Config.HiddenSize, 1.5);
        Dy = GradientCheck.Random(rng, Rows * Config.HiddenSize);
        // the block's tensors are contiguous in the layout: router, then each expert's gate, up, down
        Tensors = layout.Parameters.Where(p => p.Name.StartsWith("model.layers.0.mlp.", StringComparison.Ordinal)).ToList();
    }

    public string Name { get; }
    public ModelConfig Config { get; }
    public float[] Weights { get; }
    public float[] X { get; }
    public float[] Dy { get; }
    public IReadOnlyList<ParameterInfo> Tensors { get; }
    public long Offset => Tensors[0].Offset;
    public long Count => Tensors.Sum(t => t.Count);

    public void WriteInputs(string directory)
    {
        Directory.CreateDirectory(directory);
        var manifest = new Dictionary<string, object>
        {
            ["rows"] = Rows,
            ["hidden_size"] = Config.HiddenSize,
            ["num_experts"] = Config.NumExperts,
            ["num_experts_per_tok"] = Config.NumExpertsPerToken,
            ["moe_intermediate_size"] = Config.MoeIntermediateSize,
            ["norm_topk_prob"] = Config.NormTopKProb,
            ["tensors"] = Tensors.Select(p => new Dictionary<string, object> { ["name"] = p.Name["model.layers.0.mlp.".Length..], ["shape"] = p.Shape }).ToList(),
        };
        File.WriteAllText(Path.Combine(directory, "manifest.json"), JsonSerializer.Serialize(manifest));
        File.WriteAllBytes(Path.Combine(directory, "weights.bin"), MemoryMarshal.AsBytes(Weights.AsSpan((int)Offset, (int)Count)).ToArray());
        File.WriteAllBytes(Path.Combine(directory, "x.bin"), MemoryMarshal.AsBytes(X.AsSpan()).ToArray());
        File.WriteAllBytes(Path.Combine(directory, "dy.bin"), MemoryMarshal.AsBytes(Dy.AsSpan()).ToArray());
    }
}

/// <summary>Runs torch_reference.py --moe-block once for every block case.</summary>
public sealed class MoeBlockTorchFixture : IDisposable
{
    private readonly TempDirectory _root = new();
    private readonly Exception? _failure;

    public static readonly MoeBlockCase[] Cases = [new("renormalised", true, 51), new("raw-weights", false, 52)];

    public MoeBlockTorchFixture()
    {
        try
        {
            foreach (var c in Cases) c.WriteInputs(_root.File(c.Name));
            TorchReferenceRunner.Run(["--moe-block", .. Cases.Select(c => _root.File(c.Name))]);
        }
        catch (Exception e)
        {
            _failure = e;
        }
    }

    public float[] Read(MoeBlockCase c, string file, long count)
    {
        if (_failure is not null) throw new InvalidOperationException($"PyTorch reference unavailable: {_failure.Message}", _failure);
        var bytes = File.ReadAllBytes(Path.Combine(_root.File(c.Name), file));
        Assert.Equal(count * 4, bytes.Length);
        return MemoryMarshal.Cast<byte, float>(bytes).ToArray();
    }

    public void Dispose() => _root.Dispose();
}

/// <summary>The FP32 training engine's MoE block against an independent PyTorch implementation: output, dx, router and expert weight gradients within 1e-4 relative (‖a − b‖∞ / ‖b‖∞).</summary>
public class MoeParityTests(MoeBlockTorchFixture torch, ITestOutputHelper output) : IClassFixture<MoeBlockTorchFixture>
{
    private const double RelativeTolerance = 1e-4;

    public static TheoryData<int> CaseIndices => new(Enumerable.Range(0, MoeBlockTorchFixture.Cases.Length));

    private static double RelativeInf(ReadOnlySpan<float> actual, ReadOnlySpan<float> expected)
    {
        Assert.Equal(expected.Length, actual.Length);
        double diff = 0, scale = 0;
        for (int i = 0; i < actual.Length; i++)
        {
            Assert.True(float.IsFinite(actual[i]));
            diff = Math.Max(diff, Math.Abs((double)actual[i] - expected[i]));
            scale = Math.Max(scale, Math.Abs((double)expected[i]));
        }
        Assert.True(scale > 0, "PyTorch's values are all zero: the comparison would prove nothing");
        return diff / scale;
    }

    [Theory]
    [MemberData(nameof(CaseIndices))]
    public void Fp32_moe_block_forward_and_backward_match_pytorch(int index)
    {
        var c = MoeBlockTorchFixture.Cases[index];
        int n = MoeBlockCase.Rows * c.Config.HiddenSize;
        var engine = new TrainingEngine(c.Config, new TrainingOptions { ComputeDType = DType.Fp32 }, (float[])c.Weights.Clone());
        var y = engine.MoeBlockForward(0, c.X, MoeBlockCase.Rows);
        engine.ZeroGradients();
        var dx = engine.MoeBlockBackward(c.Dy);

        var failures = new List<string>();
        void Check(string what, ReadOnlySpan<float> actual, ReadOnlySpan<float> expected)
        {
            double rel = RelativeInf(actual, expected);
            output.WriteLine($"{c.Name} {what}: rel {rel:E2}");
            if (rel > RelativeTolerance) failures.Add($"{what}: {rel:E3}");
        }
        Check("y", y, torch.Read(c, "out_y.bin", n));
        Check("dx", dx, torch.Read(c, "out_dx.bin", n));
        var grads = torch.Read(c, "out_grads.bin", c.Count);
        int idle = 0;
        foreach (var t in c.Tensors)
        {
            var expected = grads.AsSpan((int)(t.Offset - c.Offset), (int)t.Count);
            if (!expected.ContainsAnyExcept(0f)) { idle++; Assert.False(engine.Gradients.AsSpan((int)t.Offset, (int)t.Count).ContainsAnyExcept(0f)); continue; }
            Check(t.Name, engine.Gradients.AsSpan((int)t.Offset, (int)t.Count), expected);
        }
        Assert.True(idle <= 3, $"{idle} tensors idle: too few experts exercised");
        Assert.True(failures.Count == 0, $"{c.Name}: differs from PyTorch beyond {RelativeTolerance:E0}:\n" + string.Join("\n", failures));
    }
}
