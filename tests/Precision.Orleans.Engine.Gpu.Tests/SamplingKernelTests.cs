using Precision.Orleans.Engine.Rollout;
using Xunit;

namespace Precision.Orleans.Engine.Gpu.Tests;

/// <summary>The device sampler against the CPU sampler: same tokens for the same uniforms, μ within FP32 rounding.</summary>
[Collection(SimulatedDeviceCollection.Name)]
public sealed class SamplingKernelTests(SimulatedDevice device)
{
    public static TheoryData<float, int, float> Settings => new()
    {
        { 0f, 0, 1f },     // greedy
        { 1f, 0, 1f },     // plain
        { 0.7f, 5, 1f },   // top-k
        { 1.3f, 0, 0.9f }, // top-p
        { 0.8f, 8, 0.6f }, // top-k then top-p
    };

    [Theory]
    [MemberData(nameof(Settings))]
    public void Device_sampling_chooses_the_cpu_samplers_tokens(float temperature, int topK, float topP)
    {
        const int rows = 24, vocab = 50;
        var options = new SamplingOptions { Temperature = temperature, TopK = topK, TopP = topP };
        var logits = Compare.Random(rows * vocab, 70, 5f);
        // a tie at the top of row 3: the lower id must win in both
        logits[3 * vocab + 10] = logits[3 * vocab + 20] = 9f;
        var rng = new Random(71);
        var uniforms = new double[rows];
        for (int r = 0; r < rows; r++) uniforms[r] = rng.NextDouble();
        var (tokens, logProbs) = (new int[rows], new float[rows]);
        device.Kernels.Sample(logits, vocab, options, uniforms, tokens, logProbs);
        var (probabilities, keys) = (new float[vocab], new ulong[vocab]);
        var distinct = new HashSet<int>();
        for (int r = 0; r < rows; r++)
        {
            var (token, logProb) = TokenSampler.Sample(logits.AsSpan(r * vocab, vocab), options, uniforms[r], probabilities, keys);
            Assert.Equal(token, tokens[r]);
            Assert.Equal(logProb, logProbs[r], 1e-5f * MathF.Max(1f, MathF.Abs(logProb)));
            distinct.Add(token);
        }
        if (temperature > 0f) Assert.True(distinct.Count > 3, "the uniforms should reach several tokens");
        Assert.Throws<InvalidOperationException>(() =>
            device.Kernels.Sample([float.NaN, 1f], 2, options, [0.5], new int[1], new float[1]));
    }
}
