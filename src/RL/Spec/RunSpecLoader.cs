using Precision.Orleans.Abstractions;
using Precision.Orleans.Engine.Checkpoints;
using Precision.Orleans.RL.Algorithms;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Precision.Orleans.RL.Spec;

/// <summary>
/// Reads a YAML run spec (snake_case keys mirroring <see cref="RunSpec"/>; see <c>examples/sanity-pg-seq-is.yaml</c>),
/// resolves relative paths against the spec file's directory and validates it (<see cref="RunSpecValidator"/>).
/// Every problem is a <see cref="RunSpecException"/> naming the key path and the allowed values.
/// </summary>
public static class RunSpecLoader
{
    internal static readonly string[] TopKeys = ["name", "seed", "model", "data", "algorithm", "advantage", "precision", "batch", "rollout", "optimizer", "schedule", "lora", "parallel"];
    internal static readonly string[] ParallelKeys = ["gradient_workers", "shards", "expert_workers"];
    internal static readonly string[] ModelKeys = ["path", "moe"];
    internal static readonly string[] MoeKeys = ["aux_loss_coef"];
    internal static readonly string[] LoraKeys = ["rank", "alpha", "target_modules", "rollout"];
    internal static readonly string[] DataKeys = ["problems", "task", "task_problems", "difficulty"];
    internal static readonly string[] AlgorithmKeys = ["name", "aggregation", "clip_low", "clip_high", "gspo_clip_low", "gspo_clip_high", "importance_cap", "normalize_advantage_std",
        "clip_ratio_c", "log_ratio_clamp", "mis_lower_bound"];
    internal static readonly string[] AdvantageKeys = ["estimator"];
    internal static readonly string[] PrecisionKeys = ["train", "rollout", "fp16_range", "device"];
    internal static readonly string[] BatchKeys = ["prompts", "group_size", "mini_batches", "micro_batch_sequences"];
    internal static readonly string[] RolloutKeys = ["temperature", "top_p", "top_k", "max_new_tokens", "chat_template"];
    internal static readonly string[] OptimizerKeys = ["lr", "beta1", "beta2", "eps", "weight_decay", "max_grad_norm", "initial_loss_scale", "loss_scale_growth_interval"];
    internal static readonly string[] ScheduleKeys = ["iterations", "checkpoint_every", "keep_checkpoints", "stop_at_accuracy", "max_weight_lag"];

    /// <summary>
    /// Loads the spec at <paramref name="path"/> with <paramref name="overrides"/> applied first, each <c>KEY.PATH=VALUE</c>
    /// as verl/Hydra users write them (<c>rollout.temperature=0.8</c>): the value replaces (or adds) that key and the
    /// result is read and validated exactly as a file that said so.
    /// </summary>
    public static RunSpec Load(string path, IReadOnlyList<string>? overrides = null)
    {
        if (Directory.Exists(path)) throw new RunSpecException(path, "", "is a directory; give the run spec's YAML file");
        if (!File.Exists(path)) throw new RunSpecException(path, "", "run spec file not found");
        string full = Path.GetFullPath(path);
        return Parse(File.ReadAllText(full), path, Path.GetDirectoryName(full), overrides);
    }

    /// <param name="sourceName">The spec's file path (or any name for messages).</param>
    /// <param name="baseDirectory">Directory relative paths are resolved against; default: that of <paramref name="sourceName"/> when it names a
    /// directory that exists, else the current directory.</param>
    /// <param name="overrides"><c>KEY.PATH=VALUE</c> assignments applied before reading (see <see cref="Load"/>).</param>
    public static RunSpec Parse(string yaml, string sourceName, string? baseDirectory = null, IReadOnlyList<string>? overrides = null)
    {
        var root = ReadRoot(yaml, sourceName);
        foreach (string assignment in overrides ?? []) ApplyOverride(root, assignment);
        try
        {
            var spec = Read(new YamlSection(root, sourceName, ""));
            spec = ResolvePaths(spec, baseDirectory ?? DefaultBaseDirectory(sourceName));
            RunSpecValidator.Validate(spec, sourceName);
            return spec;
        }
        catch (RunSpecException e) when (e.KeyPath.Length > 0 && overrides?.LastOrDefault(o => o.Split('=')[0].Trim() == e.KeyPath) is { } assignment)
        {
            // The value came from the command line, not the file: say so rather than point at a line of the file.
            throw new RunSpecException($"--set {assignment}", e.KeyPath, e.Problem);
        }
    }

    private static string DefaultBaseDirectory(string sourceName)
    {
        string? dir = Path.GetDirectoryName(Path.GetFullPath(sourceName));
        return dir is not null && Directory.Exists(dir) ? dir : Directory.GetCurrentDirectory();
    }

    private static YamlMappingNode ReadRoot(string yaml, string source)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(yaml));
        }
        catch (YamlException e)
        {
            throw new RunSpecException(source, "", $"not valid YAML: {e.Message}", (int)e.Start.Line);
        }
        catch (InvalidOperationException e)
        {
            // YamlDotNet's scanner throws this (no position) on some unterminated flow collections.
            throw new RunSpecException(source, "", $"not valid YAML (an unclosed [ or {{ ?): {e.Message}");
        }
        if (stream.Documents.Count == 0) throw new RunSpecException(source, "", "the file is empty; a run spec needs at least 'model' and 'data'");
        // A second document would be silently ignored: refuse it, as a JSON schema would refuse trailing content.
        if (stream.Documents.Count > 1)
            throw new RunSpecException(source, "", $"holds {stream.Documents.Count} YAML documents (separated by '---'); a run spec is one document",
                (int)stream.Documents[1].RootNode.Start.Line);
        return stream.Documents[0].RootNode as YamlMappingNode
               ?? throw new RunSpecException(source, "", "expected a section of keys at the top level (name, model, data, ...)");
    }

    /// <summary>Sets one <c>a.b.c=value</c> in the document, creating sections on the way; the reader then checks the keys.</summary>
    private static void ApplyOverride(YamlMappingNode root, string assignment)
    {
        const string source = "--set";
        int eq = assignment.IndexOf('=');
        if (eq <= 0) throw new RunSpecException(source, "", $"'{assignment}' is not KEY=VALUE (e.g. rollout.temperature=0.8)");
        string keyPath = assignment[..eq].Trim();
        string[] keys = keyPath.Split('.');
        if (keys.Any(k => k.Length == 0)) throw new RunSpecException(source, keyPath, "a key path is dot-separated names, e.g. batch.prompts");
        var node = root;
        for (int i = 0; i < keys.Length - 1; i++)
        {
            var key = new YamlScalarNode(keys[i]);
            if (!node.Children.TryGetValue(key, out var child))
            {
                child = new YamlMappingNode();
                node.Children.Add(key, child);
            }
            // `model: DIR` set as `model.path=…` becomes the section form.
            if (child is YamlScalarNode scalar && keys[i] == "model")
            {
                child = new YamlMappingNode { { "path", scalar } };
                node.Children[key] = child;
            }
            node = child as YamlMappingNode
                   ?? throw new RunSpecException(source, string.Join('.', keys[..(i + 1)]), "is a value in the spec, not a section of keys");
        }
        string value = assignment[(eq + 1)..].Trim();
        // Flow syntax ([a, b] lists) is parsed as YAML; anything else is one plain value, like the file's.
        YamlNode parsed = new YamlScalarNode(value);
        if (value.StartsWith('['))
        {
            var stream = new YamlStream();
            try
            {
                stream.Load(new StringReader("v: " + value));
            }
            catch (YamlException e)
            {
                throw new RunSpecException(source, keyPath, $"'{value}' is not a valid YAML list: {e.Message}");
            }
            parsed = ((YamlMappingNode)stream.Documents[0].RootNode).Children[new YamlScalarNode("v")];
        }
        node.Children[new YamlScalarNode(keys[^1])] = parsed;
    }

    private static RunSpec Read(YamlSection top)
    {
        top.RequireKnownKeys(TopKeys);
        var d = new RunSpec();
        var (model, moe) = ReadModel(top);
        return d with
        {
            Name = top.String("name") ?? d.Name,
            Seed = top.Int("seed") ?? d.Seed,
            Model = model ?? d.Model,
            Moe = moe,
            Lora = ReadLora(top.Section("lora")),
            Data = ReadData(top.Section("data"), d.Data),
            Algorithm = ReadAdvantage(top.Section("advantage"), ReadAlgorithm(top.Section("algorithm"), d.Algorithm)),
            Precision = ReadPrecision(top.Section("precision"), d.Precision),
            Batch = ReadBatch(top.Section("batch"), d.Batch),
            Rollout = ReadRollout(top.Section("rollout"), d.Rollout),
            Optimizer = ReadOptimizer(top.Section("optimizer"), d.Optimizer),
            Schedule = ReadSchedule(top.Section("schedule"), d.Schedule),
            Parallel = ReadParallel(top.Section("parallel"), d.Parallel),
        };
    }

    /// <summary><c>model: DIR</c> or <c>model: {path: DIR, moe: {aux_loss_coef}}</c>.</summary>
    private static (string? Path, MoeSpec? Moe) ReadModel(YamlSection top)
    {
        if (!top.IsSection("model")) return (top.String("model"), null);
        var m = top.Section("model")!;
        m.RequireKnownKeys(ModelKeys);
        var moe = m.Section("moe");
        moe?.RequireKnownKeys(MoeKeys);
        var d = new MoeSpec();
        return (m.String("path"), moe is null ? null : d with { AuxLossCoef = moe.Double("aux_loss_coef") ?? d.AuxLossCoef });
    }

    /// <summary>Reads a <c>lora</c> section (also an experiment grid's variant's); null when absent. Values are checked by the validator.</summary>
    internal static LoraSpec? ReadLora(YamlSection? s)
    {
        if (s is null) return null;
        s.RequireKnownKeys(LoraKeys);
        var d = new LoraSpec();
        return d with
        {
            Rank = s.Int("rank") ?? d.Rank,
            Alpha = s.Double("alpha") ?? d.Alpha,
            TargetModules = s.StringList("target_modules") ?? d.TargetModules,
            Rollout = s.String("rollout") ?? d.Rollout,
        };
    }

    private static DataSpec ReadData(YamlSection? s, DataSpec d)
    {
        if (s is null) return d;
        s.RequireKnownKeys(DataKeys);
        return d with
        {
            Problems = s.String("problems") ?? d.Problems,
            Task = s.String("task") ?? d.Task,
            TaskProblems = s.Int("task_problems") ?? d.TaskProblems,
            Difficulty = s.Int("difficulty") ?? d.Difficulty,
        };
    }

    private static AlgorithmSpec ReadAlgorithm(YamlSection? s, AlgorithmSpec d)
    {
        if (s is null) return d;
        s.RequireKnownKeys(AlgorithmKeys);
        return d with
        {
            Name = s.String("name") ?? d.Name,
            Aggregation = s.String("aggregation") ?? d.Aggregation,
            ClipLow = s.Double("clip_low") ?? d.ClipLow,
            ClipHigh = s.Double("clip_high") ?? d.ClipHigh,
            GspoClipLow = s.Double("gspo_clip_low") ?? d.GspoClipLow,
            GspoClipHigh = s.Double("gspo_clip_high") ?? d.GspoClipHigh,
            ImportanceCap = s.Double("importance_cap") ?? d.ImportanceCap,
            NormalizeAdvantageStd = s.Bool("normalize_advantage_std") ?? d.NormalizeAdvantageStd,
            DualClipRatio = s.Double("clip_ratio_c") ?? d.DualClipRatio,
            LogRatioClamp = s.Double("log_ratio_clamp") ?? d.LogRatioClamp,
            MisLowerBound = s.Bool("mis_lower_bound") ?? d.MisLowerBound,
        };
    }

    /// <summary>The <c>advantage</c> section: <c>estimator: rloo | grpo</c>.</summary>
    private static AlgorithmSpec ReadAdvantage(YamlSection? s, AlgorithmSpec a)
    {
        if (s is null) return a;
        s.RequireKnownKeys(AdvantageKeys);
        string? name = s.String("estimator");
        if (name is null) return a;
        return a with
        {
            AdvantageEstimator = AdvantageEstimatorNames.TryParse(name)
                ?? throw s.Error("estimator", $"unknown estimator '{name}'; allowed: {string.Join(" | ", AdvantageEstimatorNames.Names)}"),
        };
    }

    private static Engine.Backends.ComputeDevice? ReadDevice(YamlSection s)
    {
        if (s.String("device") is not { } text) return null;
        try { return Engine.Backends.ComputeDeviceNames.Parse(text); }
        catch (ArgumentException e) { throw s.Error("device", e.Message); }
    }

    private static PrecisionSpec ReadPrecision(YamlSection? s, PrecisionSpec d)
    {
        if (s is null) return d;
        s.RequireKnownKeys(PrecisionKeys);
        return d with
        {
            Train = ReadDType(s, "train") ?? d.Train,
            Rollout = ReadDType(s, "rollout") ?? d.Rollout,
            Device = ReadDevice(s) ?? d.Device,
            Fp16Range = s.String("fp16_range")?.ToLowerInvariant() switch
            {
                null => d.Fp16Range,
                "refuse" => Fp16RangePolicy.Refuse,
                "clamp" => Fp16RangePolicy.Clamp,
                var other => throw s.Error("fp16_range", $"unknown policy '{other}'; allowed: refuse | clamp"),
            },
        };
    }

    private static DType? ReadDType(YamlSection s, string key)
    {
        string? text = s.String(key);
        if (text is null) return null;
        // The spellings the command-line options accept (fp16, float16, half, FP16 …); the writer records the canonical name.
        return DTypeNames.TryParse(text, out var dtype) ? dtype
            : throw s.Error(key, $"unknown dtype '{text}'; allowed: {string.Join(" | ", DTypeNames.Allowed)}");
    }

    private static BatchSpec ReadBatch(YamlSection? s, BatchSpec d)
    {
        if (s is null) return d;
        s.RequireKnownKeys(BatchKeys);
        return d with
        {
            Prompts = s.Int("prompts") ?? d.Prompts,
            GroupSize = s.Int("group_size") ?? d.GroupSize,
            MiniBatches = s.Int("mini_batches") ?? d.MiniBatches,
            MicroBatchSequences = s.Int("micro_batch_sequences") ?? d.MicroBatchSequences,
        };
    }

    private static RolloutSpec ReadRollout(YamlSection? s, RolloutSpec d)
    {
        if (s is null) return d;
        s.RequireKnownKeys(RolloutKeys);
        return d with
        {
            Temperature = s.Float("temperature") ?? d.Temperature,
            TopP = s.Float("top_p") ?? d.TopP,
            TopK = s.Int("top_k") ?? d.TopK,
            MaxNewTokens = s.Int("max_new_tokens") ?? d.MaxNewTokens,
            ChatTemplate = s.String("chat_template") ?? d.ChatTemplate,
        };
    }

    private static OptimizerSpec ReadOptimizer(YamlSection? s, OptimizerSpec d)
    {
        if (s is null) return d;
        s.RequireKnownKeys(OptimizerKeys);
        return d with
        {
            LearningRate = s.Float("lr") ?? d.LearningRate,
            Beta1 = s.Float("beta1") ?? d.Beta1,
            Beta2 = s.Float("beta2") ?? d.Beta2,
            Epsilon = s.Float("eps") ?? d.Epsilon,
            WeightDecay = s.Float("weight_decay") ?? d.WeightDecay,
            MaxGradNorm = s.Float("max_grad_norm") ?? d.MaxGradNorm,
            InitialLossScale = s.Float("initial_loss_scale") ?? d.InitialLossScale,
            LossScaleGrowthInterval = s.Int("loss_scale_growth_interval") ?? d.LossScaleGrowthInterval,
        };
    }

    private static ScheduleSpec ReadSchedule(YamlSection? s, ScheduleSpec d)
    {
        if (s is null) return d;
        s.RequireKnownKeys(ScheduleKeys);
        return d with
        {
            Iterations = s.Int("iterations") ?? d.Iterations,
            CheckpointEvery = s.Int("checkpoint_every") ?? d.CheckpointEvery,
            KeepCheckpoints = s.Int("keep_checkpoints") ?? d.KeepCheckpoints,
            StopAtAccuracy = s.Double("stop_at_accuracy") ?? d.StopAtAccuracy,
            MaxWeightLag = s.Int("max_weight_lag") ?? d.MaxWeightLag,
        };
    }

    private static ParallelSpec ReadParallel(YamlSection? s, ParallelSpec d)
    {
        if (s is null) return d;
        s.RequireKnownKeys(ParallelKeys);
        return d with
        {
            GradientWorkers = s.Int("gradient_workers") ?? d.GradientWorkers,
            Shards = s.Int("shards") ?? d.Shards,
            ExpertWorkers = s.Int("expert_workers") ?? d.ExpertWorkers,
        };
    }

    private static RunSpec ResolvePaths(RunSpec spec, string baseDirectory)
    {
        string? Resolve(string? p) => string.IsNullOrWhiteSpace(p) ? p : Path.GetFullPath(p, baseDirectory);
        return spec with { Model = Resolve(spec.Model) ?? "", Data = spec.Data with { Problems = Resolve(spec.Data.Problems) } };
    }
}
