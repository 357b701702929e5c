using Precision.Orleans.Abstractions;
using Precision.Orleans.Engine.Backends;
using Precision.Orleans.Engine.Model;
using Precision.Orleans.Engine.Training;
using Xunit;

namespace Precision.Orleans.Engine.Gpu.Tests;

/// <summary>The MoE router and the experts' combine on the device against the CPU layers, and a whole Qwen3-MoE training step.</summary>
[Collection(SimulatedDeviceCollection.Name)]
public sealed class MoeKernelTests(SimulatedDevice device)
{
    private readonly GpuKernelSet _gpu = device.Kernels;
    private readonly IKernelSet _cpu = CpuKernelSet.Instance;

    [Theory]
    [InlineData(DType.Fp32, true)]
    [InlineData(DType.Bf16, false)]
    [InlineData(DType.Fp16, true)]
    public void Router_forward_and_backward_are_bit_exact(DType dtype, bool normTopK)
    {
        const int rows = 7, experts = 6, k = 2;
        var logits = Compare.Random(rows * experts, 90, 3f, dtype);
        logits[2 * experts + 1] = logits[2 * experts + 4] = 5f; // a tie: the lower expert first
        var (pc, tc, tpc, wc) = (new float[rows * experts], new int[rows * k], new float[rows * k], new float[rows * k]);
        var (pg, tg, tpg, wg) = (new float[rows * experts], new int[rows * k], new float[rows * k], new float[rows * k]);
        _cpu.MoeRouterForward(logits, pc, tc, tpc, wc, rows, experts, k, normTopK, dtype);
        _gpu.MoeRouterForward(logits, pg, tg, tpg, wg, rows, experts, k, normTopK, dtype);
        Assert.Equal(tc, tg);
        Assert.Equal(1, tg[2 * k]);
        Compare.BitExact(pc, pg, "router probabilities");
        Compare.BitExact(wc, wg, "routing weights");
        var dw = Compare.Random(rows * k, 91, 1f, dtype);
        var aux = Compare.Random(experts, 92, 0.1f);
        float[] mask = [1, 0, 1, 1, 0, 1, 1];
        var (dlc, dlg) = (new float[rows * experts], new float[rows * experts]);
        _cpu.MoeRouterBackward(dw, pc, tc, tpc, aux, mask, dlc, rows, experts, k, normTopK, dtype);
        _gpu.MoeRouterBackward(dw, pc, tc, tpc, aux, mask, dlg, rows, experts, k, normTopK, dtype);
        Compare.BitExact(dlc, dlg, "router dlogits");
    }

    [Theory]
    [InlineData(DType.Fp32)]
    [InlineData(DType.Bf16)]
    public void Combine_adds_assignments_in_order_and_its_backward_agrees(DType dtype)
    {
        const int tokens = 4, d = 8, k = 2, assignments = 8;
        int[] token = [0, 2, 1, 3, 0, 1, 2, 3];
        int[] slot = [0, 0, 0, 1, 1, 1, 1, 0];
        var output = Compare.Random(assignments * d, 93, 2f, dtype);
        var weights = Compare.Random(tokens * k, 94, 1f, dtype);
        var yc = Compare.Random(tokens * d, 95, 1f, dtype);
        var yg = (float[])yc.Clone();
        _cpu.ExpertCombineForward(output, weights, token, slot, yc, assignments, d, k, dtype);
        _gpu.ExpertCombineForward(output, weights, token, slot, yg, assignments, d, k, dtype);
        Compare.BitExact(yc, yg, "combine");
        var dy = Compare.Random(tokens * d, 96, 1f, dtype);
        var (doc, dwc, dog, dwg) = (new float[assignments * d], new float[tokens * k], new float[assignments * d], new float[tokens * k]);
        _cpu.ExpertCombineBackward(dy, output, weights, token, slot, doc, dwc, assignments, d, k, dtype);
        _gpu.ExpertCombineBackward(dy, output, weights, token, slot, dog, dwg, assignments, d, k, dtype);
        Compare.BitExact(doc, dog, "combine dOutput");
        Compare.Close(dwc, dwg, Compare.Tolerance(dtype), "combine dWeights", floor: 1e-2f);
    }

    [Fact]
    public void A_qwen3_moe_model_trains_on_the_device_as_on_the_cpu_in_fp32()
    {
        var config = new ModelConfig
        {
            ModelType = "qwen3_moe", VocabSize = 24, HiddenSize = 16, IntermediateSize = 24, NumHiddenLayers = 2, NumAttentionHeads = 4,
            NumKeyValueHeads = 2, MaxPositionEmbeddings = 32, NumExperts = 4, NumExpertsPerToken = 2, MoeIntermediateSize = 12, NormTopKProb = true,
        };
        var options = new TrainingOptions { RouterAuxLossCoef = 0.01f };
        var cpu = new TrainingEngine(config, options, seed: 9);
        var gpu = new TrainingEngine(config, options with { Kernels = _gpu }, (float[])cpu.MasterWeights.Clone());
        var batch = TokenBatch.FromSequences([[1, 5, 9, 3, 7, 2], [4, 4, 8, 1]]);
        var lpc = cpu.Forward(batch);
        var lpg = gpu.Forward(batch);
        Compare.Close(lpc, lpg, 1e-4f, "moe log p", floor: 1e-2f);
        var dl = new float[lpc.Length];
        Array.Fill(dl, -0.1f);
        cpu.Backward(dl);
        gpu.Backward(dl);
        float max = cpu.Gradients.Max(MathF.Abs);
        Assert.True(max > 0f);
        Compare.Close(cpu.Gradients, gpu.Gradients, 1e-4f, "moe gradients", floor: 1e-3f * max);
    }
}
