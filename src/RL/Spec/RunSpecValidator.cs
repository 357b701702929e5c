using Precision.Orleans.Engine.Checkpoints;
using Precision.Orleans.Engine.Model;
using Precision.Orleans.RL.Algorithms;
using Precision.Orleans.RL.Tasks;

namespace Precision.Orleans.RL.Spec;

/// <summary>The checks of a run spec beyond its YAML types: names, ranges, batch arithmetic and that the files exist.</summary>
public static class RunSpecValidator
{
    public static void Validate(RunSpec spec, string source)
    {
        RunSpecException Bad(string key, string problem) => new(source, key, problem);

        if (string.IsNullOrWhiteSpace(spec.Name) || spec.Name.IndexOfAny(Path.GetInvalidFileNameChars()) >= 0 || spec.Name is "." or "..")
            throw Bad("name", $"'{spec.Name}' cannot name a directory; use letters, digits, '-', '_'");
        if (spec.Name.Length > MaxNameLength)
            throw Bad("name", $"is {spec.Name.Length} characters; a run name names a directory and may have at most {MaxNameLength}");
        if (string.IsNullOrWhiteSpace(spec.Model)) throw Bad("model", "missing: give the checkpoint directory of the initial policy");
        if (!Directory.Exists(spec.Model)) throw Bad("model", $"directory '{spec.Model}' not found");
        if (!File.Exists(Path.Combine(spec.Model, ModelCheckpoint.ConfigFileName)))
            throw Bad("model", $"'{spec.Model}' has no {ModelCheckpoint.ConfigFileName}; is it a checkpoint directory (precision pretrain / train-lm output)?");
        var config = ReadConfig(spec.Model, Bad);

        if (spec.Moe is { } moe) ValidateMoe(spec.Model, config, moe, Bad);
        if (spec.Lora is { } lora) ValidateLora(lora, config, Bad);
        int problems = ValidateData(spec.Data, Bad);
        ValidateAlgorithm(spec.Algorithm, Bad);
        ValidateBatch(spec.Batch, problems, Bad);
        ValidateParallel(spec, config, Bad);

        var r = spec.Rollout;
        if (!(r.Temperature >= 0 && r.Temperature <= 100)) throw Bad("rollout.temperature", $"must be in [0, 100], got {r.Temperature}");
        if (!(r.TopP > 0 && r.TopP <= 1)) throw Bad("rollout.top_p", $"must be in (0, 1], got {r.TopP}");
        if (r.TopK < 0) throw Bad("rollout.top_k", $"must be >= 0 (0 = off), got {r.TopK}");
        if (r.MaxNewTokens <= 0) throw Bad("rollout.max_new_tokens", $"must be positive, got {r.MaxNewTokens}");
        if (r.MaxNewTokens >= config.MaxPositionEmbeddings)
            throw Bad("rollout.max_new_tokens", $"must be in [1, {config.MaxPositionEmbeddings - 1}] (the model's max_position_embeddings is {config.MaxPositionEmbeddings}, prompt included), got {r.MaxNewTokens}");
        if (r.ChatTemplate is string t && t != Engine.Text.ChatTemplate.Auto && !Engine.Text.ChatTemplate.Names.Contains(t))
            throw Bad("rollout.chat_template", $"is '{t}'; known: {Engine.Text.ChatTemplate.Auto}, {string.Join(", ", Engine.Text.ChatTemplate.Names)}");

        var o = spec.Optimizer;
        if (!(o.LearningRate > 0 && o.LearningRate <= 1)) throw Bad("optimizer.lr", $"must be in (0, 1], got {o.LearningRate}");
        if (!(o.Beta1 >= 0 && o.Beta1 < 1)) throw Bad("optimizer.beta1", $"must be in [0, 1), got {o.Beta1}");
        if (!(o.Beta2 >= 0 && o.Beta2 < 1)) throw Bad("optimizer.beta2", $"must be in [0, 1), got {o.Beta2}");
        if (!(o.Epsilon > 0 && o.Epsilon <= 1)) throw Bad("optimizer.eps", $"must be in (0, 1], got {o.Epsilon}");
        if (!(o.WeightDecay >= 0 && o.WeightDecay <= 1)) throw Bad("optimizer.weight_decay", $"must be in [0, 1], got {o.WeightDecay}");
        if (!(o.MaxGradNorm >= 0 && float.IsFinite(o.MaxGradNorm))) throw Bad("optimizer.max_grad_norm", $"must be a finite number >= 0 (0 = no clipping), got {o.MaxGradNorm}");
        if (!(o.InitialLossScale > 0 && o.InitialLossScale <= MaxInitialLossScale))
            throw Bad("optimizer.initial_loss_scale", $"must be in (0, 2^32 = {MaxInitialLossScale}], got {o.InitialLossScale}");
        if (o.LossScaleGrowthInterval <= 0) throw Bad("optimizer.loss_scale_growth_interval", $"must be positive, got {o.LossScaleGrowthInterval}");

        var s = spec.Schedule;
        if (s.Iterations <= 0 || s.Iterations > MaxIterations) throw Bad("schedule.iterations", $"must be in [1, {MaxIterations}], got {s.Iterations}");
        if (s.CheckpointEvery < 0) throw Bad("schedule.checkpoint_every", $"must be >= 0 (0 = only at the end), got {s.CheckpointEvery}");
        if (s.KeepCheckpoints < 1) throw Bad("schedule.keep_checkpoints", $"must be >= 1, got {s.KeepCheckpoints}");
        if (s.KeepCheckpoints > 1000) throw Bad("schedule.keep_checkpoints", $"must be at most 1000, got {s.KeepCheckpoints}");
        if (!(s.StopAtAccuracy >= 0 && s.StopAtAccuracy <= 1)) throw Bad("schedule.stop_at_accuracy", $"must be in [0, 1] (0 = never), got {s.StopAtAccuracy}");
        if (s.MaxWeightLag < 0 || s.MaxWeightLag > 1000) throw Bad("schedule.max_weight_lag", $"must be in [0, 1000] (0 = on-policy), got {s.MaxWeightLag}");
    }

    /// <summary>Longest run name: it names a directory (file systems stop at 255 bytes, and a path has more parts).</summary>
    public const int MaxNameLength = 100;

    /// <summary>Largest <c>optimizer.initial_loss_scale</c>: 2^32 (GradScaler starts at 2^16).</summary>
    public const float MaxInitialLossScale = 4294967296f;

    /// <summary>Most rollouts (prompts × group size) one policy iteration may sample: bounds memory before any work.</summary>
    public const long MaxRolloutsPerIteration = 65536;

    /// <summary>How many times one problem may appear in an iteration's batch on average (batch.prompts against the data set).</summary>
    public const int MaxPromptsPerProblem = 16;

    /// <summary>Most problems a generated task may produce.</summary>
    public const int MaxTaskProblems = 10_000_000;

    public const int MaxIterations = 10_000_000;

    private static ModelConfig ReadConfig(string model, Func<string, string, RunSpecException> bad)
    {
        string configPath = Path.Combine(model, ModelCheckpoint.ConfigFileName);
        try
        {
            return ModelConfig.FromJson(File.ReadAllText(configPath), configPath);
        }
        catch (Exception e) when (e is InvalidDataException or ArgumentException or System.Text.Json.JsonException or IOException or NotSupportedException)
        {
            throw bad("model", $"cannot read '{configPath}': {e.Message}");
        }
    }

    /// <summary>
    /// <c>parallel</c>: every count ≥ 1; no more shards than trained tensors (a shard holds whole tensors); no more
    /// gradient workers than a mini-batch has micro-batches (a worker would have no share); expert workers only for
    /// qwen3_moe full fine-tuning, at most one per expert.
    /// </summary>
    private static void ValidateParallel(RunSpec spec, ModelConfig config, Func<string, string, RunSpecException> bad)
    {
        var p = spec.Parallel;
        if (p.GradientWorkers < 1) throw bad("parallel.gradient_workers", $"must be >= 1, got {p.GradientWorkers}");
        if (p.Shards < 1) throw bad("parallel.shards", $"must be >= 1, got {p.Shards}");
        if (p.ExpertWorkers < 1) throw bad("parallel.expert_workers", $"must be >= 1, got {p.ExpertWorkers}");
        if (p.ExpertWorkers > 1)
        {
            if (!config.IsMoe)
                throw bad("parallel.expert_workers", $"is {p.ExpertWorkers} but model type {config.ModelType} has no experts (expert parallelism needs qwen3_moe); use 1");
            if (p.ExpertWorkers > config.NumExperts)
                throw bad("parallel.expert_workers", $"is {p.ExpertWorkers} but the model has {config.NumExperts} experts: an expert worker would hold none");
            if (spec.Lora is not null)
                throw bad("parallel.expert_workers", $"is {p.ExpertWorkers} in a LoRA run: adapters on the experts would have to live on the expert workers, which is not supported; use 1");
        }
        var b = spec.Batch;
        long miniBatch = (long)b.Prompts * b.GroupSize / Math.Max(1, b.MiniBatches);
        long microBatches = (miniBatch + b.MicroBatchSequences - 1) / Math.Max(1, b.MicroBatchSequences);
        if (p.GradientWorkers > microBatches)
            throw bad("parallel.gradient_workers", $"is {p.GradientWorkers} but a mini-batch of {miniBatch} sequences has only {microBatches} micro-batches of batch.micro_batch_sequences = {b.MicroBatchSequences}: a worker would have no share");
        if (p.Shards == 1) return;
        var layout = new ParameterLayout(config);
        int tensors = spec.Lora is { } lora
            ? new Engine.Lora.LoraLayout(layout, new Engine.Lora.LoraConfig { Rank = lora.Rank, Alpha = (float)lora.Alpha, TargetModules = lora.TargetModules }).Parameters.Count
            : layout.Parameters.Count;
        if (p.Shards > tensors)
            throw bad("parallel.shards", $"is {p.Shards} but the trained parameters are {tensors} tensors and a shard holds whole tensors");
    }

    private static void ValidateMoe(string model, ModelConfig config, MoeSpec moe, Func<string, string, RunSpecException> bad)
    {
        if (!config.IsMoe)
            throw bad("model.moe", $"the model '{model}' is dense (model_type {config.ModelType}, num_experts 0); 'moe' applies only to a Mixture-of-Experts checkpoint (model_type qwen3_moe); remove the section");
        if (!(moe.AuxLossCoef >= 0 && moe.AuxLossCoef <= 100)) throw bad("model.moe.aux_loss_coef", $"must be in [0, 100] (0 = no load-balancing loss), got {moe.AuxLossCoef}");
    }

    private static void ValidateLora(LoraSpec lora, ModelConfig config, Func<string, string, RunSpecException> bad)
    {
        // An adapter of rank r factors a d_out × d_in update: r beyond the narrowest layer adds nothing but memory.
        int width = Math.Min(config.HiddenSize, config.HeadDim * config.NumKeyValueHeads);
        if (lora.Rank <= 0) throw bad("lora.rank", $"must be positive, got {lora.Rank}");
        if (lora.Rank > width)
            throw bad("lora.rank", $"must be at most {width} (the narrowest adapted layer of this model is {width} wide), got {lora.Rank}");
        if (!(lora.Alpha > 0)) throw bad("lora.alpha", $"must be positive, got {lora.Alpha}");
        if (lora.Alpha > 1e6) throw bad("lora.alpha", $"must be at most 1e6, got {lora.Alpha}");
        if (lora.TargetModules.Count == 0)
            throw bad("lora.target_modules", $"is empty; give one or more of {string.Join(", ", LoraSpec.AllTargetModules)} (or leave it out for all seven)");
        foreach (string m in lora.TargetModules.Where(m => !LoraSpec.AllTargetModules.Contains(m)))
            throw bad("lora.target_modules", $"unknown module '{m}'; allowed: {string.Join(" | ", LoraSpec.AllTargetModules)}");
        if (lora.TargetModules.GroupBy(m => m).FirstOrDefault(g => g.Count() > 1) is { } twice)
            throw bad("lora.target_modules", $"'{twice.Key}' is listed twice");
        if (!LoraSpec.RolloutModes.Contains(lora.Rollout))
            throw bad("lora.rollout", $"unknown mode '{lora.Rollout}'; allowed: {string.Join(" | ", LoraSpec.RolloutModes)}");
    }

    /// <summary>Checks the data section; returns how many problems it yields (the bound of batch.prompts).</summary>
    private static int ValidateData(DataSpec d, Func<string, string, RunSpecException> bad)
    {
        bool file = !string.IsNullOrWhiteSpace(d.Problems), task = !string.IsNullOrWhiteSpace(d.Task);
        if (!file && !task)
            throw bad("data", $"missing dataset: give data.problems (a JSONL file of {{prompt, answer}}) or data.task (one of {string.Join(", ", TaskCatalog.Names)})");
        if (file && task) throw bad("data", "give either data.problems or data.task, not both");
        if (file && !File.Exists(d.Problems)) throw bad("data.problems", $"file '{d.Problems}' not found");
        if (task && !TaskCatalog.Names.Contains(d.Task!))
            throw bad("data.task", $"unknown task '{d.Task}'; allowed: {string.Join(" | ", TaskCatalog.Names)}");
        if (d.TaskProblems <= 0 || d.TaskProblems > MaxTaskProblems) throw bad("data.task_problems", $"must be in [1, {MaxTaskProblems}], got {d.TaskProblems}");
        if (d.Difficulty < 0) throw bad("data.difficulty", $"must be >= 0 (0 = the task's default), got {d.Difficulty}");
        if (task && TaskCatalog.Get(d.Task!).HighestDifficulty is var max && d.Difficulty > max)
            throw bad("data.difficulty", $"must be in [0, {max}] for task {d.Task} (0 = the task's default), got {d.Difficulty}");
        return task ? d.TaskProblems : CountProblems(d.Problems!, bad);
    }

    /// <summary>Non-empty lines of a JSONL problem file (each is checked when the run reads it).</summary>
    private static int CountProblems(string file, Func<string, string, RunSpecException> bad)
    {
        int count = 0;
        foreach (string line in File.ReadLines(file)) if (!string.IsNullOrWhiteSpace(line)) count++;
        if (count == 0) throw bad("data.problems", $"file '{file}' holds no problems");
        return count;
    }

    private static void ValidateAlgorithm(AlgorithmSpec a, Func<string, string, RunSpecException> bad)
    {
        if (!AlgorithmCatalog.Names.Contains(a.Name))
            throw bad("algorithm.name", $"unknown algorithm '{a.Name}'; allowed: {string.Join(" | ", AlgorithmCatalog.Names)}");
        try
        {
            LossAggregationNames.Parse(a.Aggregation);
        }
        catch (Exception e) when (e is FormatException or ArgumentException)
        {
            throw bad("algorithm.aggregation", $"unknown aggregation '{a.Aggregation}'; allowed: token-mean | seq-mean-token-sum | seq-mean-token-mean | seq-mean-token-sum-norm");
        }
        if (!(a.ClipLow >= 0 && a.ClipLow < 1)) throw bad("algorithm.clip_low", $"must be in [0, 1), got {a.ClipLow}");
        if (!(a.ClipHigh >= 0 && a.ClipHigh <= 100)) throw bad("algorithm.clip_high", $"must be in [0, 100], got {a.ClipHigh}");
        if (!(a.GspoClipLow >= 0 && a.GspoClipLow < 1)) throw bad("algorithm.gspo_clip_low", $"must be in [0, 1), got {a.GspoClipLow}");
        if (!(a.GspoClipHigh >= 0 && a.GspoClipHigh <= 100)) throw bad("algorithm.gspo_clip_high", $"must be in [0, 100], got {a.GspoClipHigh}");
        if (!(a.ImportanceCap > 0 && a.ImportanceCap <= 1e6)) throw bad("algorithm.importance_cap", $"must be in (0, 1e6], got {a.ImportanceCap}");
        if (a.DualClipRatio is { } c && !(c > 1 && c <= 1e6)) throw bad("algorithm.clip_ratio_c", $"must be in (1, 1e6] (verl's default is 3), got {c}");
        if (a.LogRatioClamp is { } b && !(b > 0 && b <= 700)) throw bad("algorithm.log_ratio_clamp", $"must be in (0, 700] (verl clamps at 20; e^700 is near double's limit), got {b}");
    }

    private static void ValidateBatch(BatchSpec b, int problems, Func<string, string, RunSpecException> bad)
    {
        if (b.Prompts <= 0) throw bad("batch.prompts", $"must be positive, got {b.Prompts}");
        // A batch may hold a problem more than once (the prompt order cycles), but not absurdly often.
        if (b.Prompts > MaxPromptsPerProblem * (long)problems)
            throw bad("batch.prompts", $"is {b.Prompts} but the data set has {problems} problems; at most {MaxPromptsPerProblem}× that ({MaxPromptsPerProblem * (long)problems}) per iteration");
        if (b.GroupSize < 2) throw bad("batch.group_size", $"must be >= 2 (group-relative advantages need a group), got {b.GroupSize}");
        long rollouts = (long)b.Prompts * b.GroupSize;
        if (rollouts > MaxRolloutsPerIteration)
            throw bad("batch", $"prompts × group_size = {b.Prompts} × {b.GroupSize} = {rollouts} rollouts per iteration; at most {MaxRolloutsPerIteration} fit in memory");
        if (b.MiniBatches <= 0) throw bad("batch.mini_batches", $"must be positive, got {b.MiniBatches}");
        if (b.MicroBatchSequences <= 0) throw bad("batch.micro_batch_sequences", $"must be positive, got {b.MicroBatchSequences}");
        if (rollouts % b.MiniBatches != 0)
            throw bad("batch.mini_batches", $"prompts × group_size = {b.Prompts} × {b.GroupSize} = {rollouts} rollouts must split evenly into {b.MiniBatches} mini-batches");
    }
}
