using Precision.Orleans.Engine.Rollout;
using Xunit;

namespace Precision.Orleans.Engine.Tests.Rollout;

public class TokenSamplerTests
{
    private static (int Token, float LogProb) Sample(float[] logits, SamplingOptions o, double u) =>
        TokenSampler.Sample(logits, o, u, new float[logits.Length], new ulong[logits.Length]);

    private static float[] RandomLogits(int n, int seed)
    {
        var rng = new Random(seed);
        return [.. Enumerable.Range(0, n).Select(_ => (float)(rng.NextDouble() * 6 - 3))];
    }

    private static double LogSoftmax(float[] logits, float t, int token)
    {
        double max = logits.Max() / (double)t;
        double lse = max + Math.Log(logits.Sum(l => Math.Exp(l / (double)t - max)));
        return logits[token] / (double)t - lse;
    }

    [Fact]
    public void Greedy_picks_argmax_with_untempered_log_prob_and_lowest_id_on_ties()
    {
        var logits = RandomLogits(50, 3);
        int expected = Array.IndexOf(logits, logits.Max());
        var (token, logProb) = Sample(logits, new SamplingOptions { Temperature = 0 }, 0.999);
        Assert.Equal(expected, token);
        Assert.Equal(LogSoftmax(logits, 1f, token), logProb, 5);

        float[] tied = [0.5f, 2f, -1f, 2f, 2f];
        Assert.Equal(1, Sample(tied, new SamplingOptions { Temperature = 0 }, 0.5).Token);
    }

    [Fact]
    public void Top_k_of_one_is_greedy_whatever_the_uniform()
    {
        var logits = RandomLogits(40, 5);
        int argmax = Array.IndexOf(logits, logits.Max());
        foreach (double u in new[] { 0.0, 0.3, 0.77, 0.999999 })
            Assert.Equal(argmax, Sample(logits, new SamplingOptions { Temperature = 1.3f, TopK = 1 }, u).Token);
    }

    [Fact]
    public void Top_p_samples_only_from_the_nucleus_and_reports_full_vocabulary_log_prob()
    {
        // Softmax masses ~ [0.47, 0.26, 0.17, 0.06, 0.03, ...]: the 0.8-nucleus is {0, 1, 2}.
        float[] logits = [3f, 2.4f, 2f, 1f, 0.3f, -1f, -2f, -2f];
        var options = new SamplingOptions { Temperature = 1f, TopP = 0.8f };
        var seen = new HashSet<int>();
        for (int i = 0; i < 2000; i++)
        {
            var (token, logProb) = Sample(logits, options, CounterRng.Uniform(7, 0, i));
            seen.Add(token);
            Assert.Equal(LogSoftmax(logits, 1f, token), logProb, 5);
        }
        Assert.Equal([0, 1, 2], seen.Order());
    }

    [Fact]
    public void Top_k_restricts_support_and_sampling_without_truncation_reaches_the_tail()
    {
        float[] logits = [1f, 0.9f, 0.8f, 0.7f, 0.6f, 0.5f];
        var topK = new HashSet<int>();
        var full = new HashSet<int>();
        for (int i = 0; i < 3000; i++)
        {
            double u = CounterRng.Uniform(11, 2, i);
            topK.Add(Sample(logits, new SamplingOptions { TopK = 3 }, u).Token);
            full.Add(Sample(logits, new SamplingOptions(), u).Token);
        }
        Assert.Equal([0, 1, 2], topK.Order());
        Assert.Equal(6, full.Count);
    }

    [Fact]
    public void Sampled_frequencies_follow_the_tempered_softmax()
    {
        float[] logits = [0f, 1f, 2f];
        const float t = 2f;
        var counts = new int[3];
        const int n = 20000;
        for (int i = 0; i < n; i++) counts[Sample(logits, new SamplingOptions { Temperature = t }, CounterRng.Uniform(3, 0, i)).Token]++;
        for (int k = 0; k < 3; k++)
            Assert.InRange(counts[k] / (double)n, Math.Exp(LogSoftmax(logits, t, k)) - 0.015, Math.Exp(LogSoftmax(logits, t, k)) + 0.015);
    }

    [Fact]
    public void Non_finite_logits_are_rejected()
    {
        float[] logits = [0f, float.NaN, 1f];
        var e = Assert.Throws<InvalidOperationException>(() => Sample(logits, new SamplingOptions(), 0.5));
        Assert.Contains("not finite", e.Message);
    }

    [Fact]
    public void Counter_rng_is_a_pure_function_of_its_keys()
    {
        Assert.Equal(CounterRng.Uniform(1, 2, 3), CounterRng.Uniform(1, 2, 3));
        Assert.NotEqual(CounterRng.Uniform(1, 2, 3), CounterRng.Uniform(1, 2, 4));
        Assert.NotEqual(CounterRng.Uniform(1, 2, 3), CounterRng.Uniform(1, 3, 3));
        Assert.NotEqual(CounterRng.Uniform(1, 2, 3), CounterRng.Uniform(2, 2, 3));
        double mean = Enumerable.Range(0, 10000).Average(i => CounterRng.Uniform(5, 0, i));
        Assert.InRange(mean, 0.48, 0.52);
    }
}
