using Precision.Orleans.RL.Algorithms;
using Precision.Orleans.RL.Spec;
using Precision.Orleans.RL.Tests.Training;
using Precision.Orleans.RL.Training;
using Xunit;

namespace Precision.Orleans.RL.Tests.Spec;

/// <summary>The run-spec keys of the verl loss options: off by default (and not written), read, round-tripped, bounded.</summary>
public sealed class VerlOptionsSpecTests
{
    private static string WithAlgorithmKeys(TinyRun run, string keys) =>
        run.Yaml(algorithm: "grpo-seq-mis").Replace("  name: grpo-seq-mis\n", "  name: grpo-seq-mis\n" + keys);

    [Fact]
    public void The_options_are_off_by_default_and_a_default_spec_is_written_as_before()
    {
        using var run = new TinyRun();
        var spec = run.Spec();
        Assert.Null(spec.Algorithm.DualClipRatio);
        Assert.Null(spec.Algorithm.LogRatioClamp);
        Assert.False(spec.Algorithm.MisLowerBound);
        Assert.Equal(AdvantageEstimator.Rloo, spec.Algorithm.AdvantageEstimator);
        string yaml = RunSpecWriter.ToYaml(spec);
        foreach (string key in new[] { "clip_ratio_c", "log_ratio_clamp", "mis_lower_bound", "advantage:", "estimator" })
            Assert.DoesNotContain(key, yaml);
    }

    [Fact]
    public void The_options_are_read_round_trip_and_change_the_trajectory_hash()
    {
        using var run = new TinyRun();
        string yaml = WithAlgorithmKeys(run, "  clip_ratio_c: 3\n  log_ratio_clamp: 20\n  mis_lower_bound: true\n") + "\nadvantage:\n  estimator: grpo\n";
        var spec = run.Spec(yaml);
        Assert.Equal(3, spec.Algorithm.DualClipRatio);
        Assert.Equal(20, spec.Algorithm.LogRatioClamp);
        Assert.True(spec.Algorithm.MisLowerBound);
        Assert.Equal(AdvantageEstimator.Grpo, spec.Algorithm.AdvantageEstimator);
        Assert.Equal(spec, run.Spec(RunSpecWriter.ToYaml(spec)));
        Assert.NotEqual(RunSpecWriter.TrajectoryHash(run.Spec()), RunSpecWriter.TrajectoryHash(spec));
    }

    [Theory]
    [InlineData("  clip_ratio_c: 1\n", "algorithm.clip_ratio_c")]
    [InlineData("  log_ratio_clamp: 0\n", "algorithm.log_ratio_clamp")]
    [InlineData("  log_ratio_clamp: -20\n", "algorithm.log_ratio_clamp")]
    [InlineData("  mis_lower_bound: maybe\n", "algorithm.mis_lower_bound")]
    public void Out_of_range_values_are_refused_naming_the_key(string keys, string named)
    {
        using var run = new TinyRun();
        var e = Assert.Throws<RunSpecException>(() => run.Spec(WithAlgorithmKeys(run, keys)));
        Assert.Contains(named, e.Message);
    }

    [Fact]
    public void An_unknown_estimator_is_refused_naming_the_allowed_ones()
    {
        using var run = new TinyRun();
        var e = Assert.Throws<RunSpecException>(() => run.Spec(run.Yaml() + "\nadvantage:\n  estimator: gae\n"));
        Assert.Contains("advantage.estimator", e.Message);
        Assert.Contains("rloo | grpo", e.Message);
    }

    [Fact]
    public void A_run_with_the_grpo_estimator_trains_on_group_mean_advantages()
    {
        using var run = new TinyRun();
        // One mini-batch in fp32: the only step is on-policy (ρ = 1 up to fp32 rounding), so the gradient is −Σ c·A·ρ·∇log π.
        var rloo = new RlTrainer(run.Spec(run.Yaml(iterations: 1, miniBatches: 1)), run.RunDir("rloo")).Run();
        var grpo = new RlTrainer(run.Spec(run.Yaml(iterations: 1, miniBatches: 1) + "\nadvantage:\n  estimator: grpo\n"), run.RunDir("grpo")).Run();
        // Same samples (the estimator does not touch rollout), advantages (G−1)/G = 3/4 of RLOO's, so 3/4 of the gradient
        // (the loss itself is ~0 on-policy: advantages sum to zero within a group).
        Assert.Equal(rloo.Last!.Accuracy, grpo.Last!.Accuracy);
        Assert.True(rloo.Last.GradNormMean > 0);
        Assert.True(Math.Abs(grpo.Last.GradNormMean - 0.75 * rloo.Last.GradNormMean) <= 1e-4 * rloo.Last.GradNormMean,
            $"grpo gradient norm {grpo.Last.GradNormMean} vs 3/4 of rloo's {rloo.Last.GradNormMean}");
    }
}
