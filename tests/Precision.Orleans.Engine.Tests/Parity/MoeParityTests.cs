using Precision.Orleans.Abstractions;
using Precision.Orleans.Engine.Training;
using Xunit;
using Xunit.Abstractions;

namespace Precision.Orleans.Engine.Tests.Parity;

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
