using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Precision.Orleans.Abstractions;
using Precision.Orleans.RL.Algorithms;

namespace Precision.Orleans.RL.Spec;

/// <summary>
/// Writes a run spec back as YAML that <see cref="RunSpecLoader.Parse"/> reads to an equal spec
/// (every key, paths as held, numbers round-trippable), and hashes the parts that decide a run's trajectory.
/// </summary>
public static class RunSpecWriter
{
    public static string ToYaml(RunSpec spec)
    {
        var sb = new StringBuilder();
        void Line(int indent, string key, string? value) => sb.Append(' ', indent).Append(key).Append(':').Append(value is null ? "" : " " + value).Append('\n');

        Line(0, "name", Quote(spec.Name));
        Line(0, "seed", Num(spec.Seed));
        if (spec.Moe is { } moe)
        {
            Line(0, "model", null);
            Line(2, "path", Quote(spec.Model));
            Line(2, "moe", null);
            Line(4, "aux_loss_coef", Num(moe.AuxLossCoef));
        }
        else
        {
            // The plain form keeps specs (and trajectory hashes) of dense full-FT runs exactly as before these sections existed.
            Line(0, "model", Quote(spec.Model));
        }
        Line(0, "data", null);
        if (spec.Data.Problems is not null) Line(2, "problems", Quote(spec.Data.Problems));
        if (spec.Data.Task is not null) Line(2, "task", Quote(spec.Data.Task));
        Line(2, "task_problems", Num(spec.Data.TaskProblems));
        Line(2, "difficulty", Num(spec.Data.Difficulty));
        var a = spec.Algorithm;
        Line(0, "algorithm", null);
        Line(2, "name", Quote(a.Name));
        Line(2, "aggregation", Quote(a.Aggregation));
        Line(2, "clip_low", Num(a.ClipLow));
        Line(2, "clip_high", Num(a.ClipHigh));
        Line(2, "gspo_clip_low", Num(a.GspoClipLow));
        Line(2, "gspo_clip_high", Num(a.GspoClipHigh));
        Line(2, "importance_cap", Num(a.ImportanceCap));
        Line(2, "normalize_advantage_std", a.NormalizeAdvantageStd ? "true" : "false");
        // The verl options are written only when on, so the specs (and trajectory hashes) of runs without them are unchanged.
        if (a.DualClipRatio is { } c) Line(2, "clip_ratio_c", Num(c));
        if (a.LogRatioClamp is { } bound) Line(2, "log_ratio_clamp", Num(bound));
        if (a.MisLowerBound) Line(2, "mis_lower_bound", "true");
        if (a.AdvantageEstimator != AdvantageEstimator.Rloo)
        {
            Line(0, "advantage", null);
            Line(2, "estimator", a.AdvantageEstimator.Name());
        }
        Line(0, "precision", null);
        Line(2, "train", spec.Precision.Train.Name());
        Line(2, "rollout", spec.Precision.Rollout.Name());
        // Written only when not the default, so the trajectory hash of existing specs does not change.
        if (spec.Precision.Fp16Range != new PrecisionSpec().Fp16Range) Line(2, "fp16_range", spec.Precision.Fp16Range.ToString().ToLowerInvariant());
        if (spec.Precision.Device != new PrecisionSpec().Device) Line(2, "device", Engine.Backends.ComputeDeviceNames.Name(spec.Precision.Device));
        var b = spec.Batch;
        Line(0, "batch", null);
        Line(2, "prompts", Num(b.Prompts));
        Line(2, "group_size", Num(b.GroupSize));
        Line(2, "mini_batches", Num(b.MiniBatches));
        Line(2, "micro_batch_sequences", Num(b.MicroBatchSequences));
        var r = spec.Rollout;
        Line(0, "rollout", null);
        Line(2, "temperature", Num(r.Temperature));
        Line(2, "top_p", Num(r.TopP));
        Line(2, "top_k", Num(r.TopK));
        Line(2, "max_new_tokens", Num(r.MaxNewTokens));
        // Written only when set, so specs (and trajectory hashes) from before the key existed are unchanged.
        if (r.ChatTemplate is not null) Line(2, "chat_template", Quote(r.ChatTemplate));
        var o = spec.Optimizer;
        Line(0, "optimizer", null);
        Line(2, "lr", Num(o.LearningRate));
        Line(2, "beta1", Num(o.Beta1));
        Line(2, "beta2", Num(o.Beta2));
        Line(2, "eps", Num(o.Epsilon));
        Line(2, "weight_decay", Num(o.WeightDecay));
        Line(2, "max_grad_norm", Num(o.MaxGradNorm));
        Line(2, "initial_loss_scale", Num(o.InitialLossScale));
        Line(2, "loss_scale_growth_interval", Num(o.LossScaleGrowthInterval));
        if (spec.Lora is { } lora)
        {
            Line(0, "lora", null);
            Line(2, "rank", Num(lora.Rank));
            Line(2, "alpha", Num(lora.Alpha));
            Line(2, "target_modules", "[" + string.Join(", ", lora.TargetModules.Select(Quote)) + "]");
            Line(2, "rollout", Quote(lora.Rollout));
        }
        var s = spec.Schedule;
        Line(0, "schedule", null);
        Line(2, "iterations", Num(s.Iterations));
        Line(2, "checkpoint_every", Num(s.CheckpointEvery));
        Line(2, "keep_checkpoints", Num(s.KeepCheckpoints));
        Line(2, "stop_at_accuracy", Num(s.StopAtAccuracy));
        Line(2, "max_weight_lag", Num(s.MaxWeightLag));
        // Written only when not the single learner: specs without it read and hash as before.
        if (!spec.Parallel.IsSingleLearner)
        {
            var p = spec.Parallel;
            Line(0, "parallel", null);
            Line(2, "gradient_workers", Num(p.GradientWorkers));
            Line(2, "shards", Num(p.Shards));
            Line(2, "expert_workers", Num(p.ExpertWorkers));
        }
        return sb.ToString();
    }

    /// <summary>
    /// SHA-256 of everything that decides the trajectory (all but the name and the schedule), so a resumed run
    /// may extend its iterations or checkpoint cadence but never silently change the algorithm, data or dtypes. The
    /// <c>parallel</c> split is left out too: any split gives the single learner's weights bit for bit.
    /// </summary>
    public static string TrajectoryHash(RunSpec spec) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(ToYaml(spec with { Name = "", Schedule = new ScheduleSpec(), Parallel = new ParallelSpec() }))));

    private static string Num(int v) => v.ToString(CultureInfo.InvariantCulture);
    private static string Num(double v) => v.ToString("R", CultureInfo.InvariantCulture);
    private static string Num(float v) => v.ToString("R", CultureInfo.InvariantCulture);

    // Double-quoted YAML: backslashes and quotes escaped, so any path or name survives.
    private static string Quote(string v) => "\"" + v.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"";
}
