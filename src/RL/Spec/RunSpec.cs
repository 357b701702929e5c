using Precision.Orleans.Abstractions;
using Precision.Orleans.Engine.Checkpoints;
using Precision.Orleans.RL.Algorithms;

namespace Precision.Orleans.RL.Spec;

/// <summary>
/// A training run, as written in its YAML run spec (see <c>examples/</c>). Loaded and validated by
/// <c>RunSpecLoader</c>; every default below is the documented default of the YAML key.
/// </summary>
public sealed record RunSpec
{
    /// <summary>Run name (directory name in experiments). Default "run".</summary>
    public string Name { get; init; } = "run";

    /// <summary>Seed of everything random in the run (sampling, prompt order). Default 1.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>Checkpoint directory of the initial policy (config.json + model.safetensors + tokenizer). Required.
    /// YAML: <c>model: DIR</c>, or <c>model: {path: DIR, moe: {...}}</c>.</summary>
    public string Model { get; init; } = "";

    /// <summary><c>model.moe</c>: MoE training options; null when the section is absent (and for every dense model).</summary>
    public MoeSpec? Moe { get; init; }

    /// <summary><c>lora</c>: train LoRA adapters only; null = full fine-tuning (the default).</summary>
    public LoraSpec? Lora { get; init; }

    public DataSpec Data { get; init; } = new();
    public AlgorithmSpec Algorithm { get; init; } = new();
    public PrecisionSpec Precision { get; init; } = new();
    public BatchSpec Batch { get; init; } = new();
    public RolloutSpec Rollout { get; init; } = new();
    public OptimizerSpec Optimizer { get; init; } = new();
    public ScheduleSpec Schedule { get; init; } = new();

    /// <summary>How the learner's work is split (YAML <c>parallel</c>); the default is the single learner.</summary>
    public ParallelSpec Parallel { get; init; } = new();
}

/// <summary>Where the training prompts come from: a JSONL problem file, or a generated task.</summary>
public sealed record DataSpec
{
    /// <summary>JSONL file of {prompt, answer} (e.g. the perfectible set from <c>precision sanity-set</c>).</summary>
    public string? Problems { get; init; }

    /// <summary>A generated task name instead of a file (e.g. "arithmetic").</summary>
    public string? Task { get; init; }

    /// <summary>With <see cref="Task"/>: how many problems to generate. Default 512.</summary>
    public int TaskProblems { get; init; } = 512;

    /// <summary>With <see cref="Task"/>: its difficulty knob (task-specific; e.g. the largest number of digits). Default 0 = the task's default.</summary>
    public int Difficulty { get; init; }
}

public sealed record AlgorithmSpec
{
    /// <summary>grpo | grpo-token-tis | grpo-seq-mis | gspo | pg-seq-is | pg-seq-tis | pg-seq-mis. Default pg-seq-is.</summary>
    public string Name { get; init; } = "pg-seq-is";

    /// <summary>token-mean | seq-mean-token-sum | seq-mean-token-mean | seq-mean-token-sum-norm. Default seq-mean-token-sum-norm (Dr.GRPO).</summary>
    public string Aggregation { get; init; } = "seq-mean-token-sum-norm";

    public double ClipLow { get; init; } = 0.2;
    public double ClipHigh { get; init; } = 0.28;
    public double GspoClipLow { get; init; } = 3e-4;
    public double GspoClipHigh { get; init; } = 4e-4;

    /// <summary>C of TIS/MIS. Default 3.</summary>
    public double ImportanceCap { get; init; } = 3.0;

    /// <summary>Divide group-relative advantages by the group's reward std. Default false (Dr.GRPO).</summary>
    public bool NormalizeAdvantageStd { get; init; }

    /// <summary><c>algorithm.clip_ratio_c</c>: dual-clip PPO's c (verl's default is 3); for A &lt; 0 the loss is bounded at c·|A|. Null = off (default).</summary>
    public double? DualClipRatio { get; init; }

    /// <summary><c>algorithm.log_ratio_clamp</c>: clamp every log-ratio to ±b before exp (verl: 20). Null = off (default).</summary>
    public double? LogRatioClamp { get; init; }

    /// <summary><c>algorithm.mis_lower_bound</c>: MIS variants also drop sequences with ρ &lt; 1/C (verl's rejection sampling). Default false.</summary>
    public bool MisLowerBound { get; init; }

    /// <summary><c>advantage.estimator</c>: rloo (default, leave-one-out) or grpo (R − group mean, verl's).</summary>
    public AdvantageEstimator AdvantageEstimator { get; init; } = AdvantageEstimator.Rloo;
}

public sealed record PrecisionSpec
{
    public DType Train { get; init; } = DType.Fp16;
    public DType Rollout { get; init; } = DType.Fp16;

    /// <summary>
    /// <c>precision.fp16_range</c>: when either engine runs in fp16, a checkpoint weight beyond FP16's range is refused
    /// (default, naming the worst tensors) or clamped to ±65504 and reported.
    /// </summary>
    public Fp16RangePolicy Fp16Range { get; init; } = Fp16RangePolicy.Refuse;

    /// <summary><c>precision.device</c>: where both engines' kernels run, cpu (default) or cuda.</summary>
    public Engine.Backends.ComputeDevice Device { get; init; } = Engine.Backends.ComputeDevice.Cpu;
}

public sealed record BatchSpec
{
    /// <summary>Prompts per policy iteration (B). Default 64.</summary>
    public int Prompts { get; init; } = 64;

    /// <summary>Rollouts per prompt (G). Default 8.</summary>
    public int GroupSize { get; init; } = 8;

    /// <summary>Mini-batches per iteration (M), one optimizer step each. Default 4.</summary>
    public int MiniBatches { get; init; } = 4;

    /// <summary>Largest number of sequences per training-engine forward/backward (memory bound). Default 64.</summary>
    public int MicroBatchSequences { get; init; } = 64;
}

public sealed record RolloutSpec
{
    public float Temperature { get; init; } = 1f;
    public float TopP { get; init; } = 1f;
    public int TopK { get; init; }
    public int MaxNewTokens { get; init; } = 256;

    /// <summary>
    /// How prompts are wrapped before tokenizing: none | chatml | llama3 | deepseek-r1 (see src/Engine/Text/README.md).
    /// Default null ("auto"): none for our char models, the model family's template for a Hugging Face model.
    /// </summary>
    public string? ChatTemplate { get; init; }
}

public sealed record OptimizerSpec
{
    public float LearningRate { get; init; } = 1e-4f;
    public float Beta1 { get; init; } = 0.9f;
    public float Beta2 { get; init; } = 0.999f;
    public float Epsilon { get; init; } = 1e-8f;
    public float WeightDecay { get; init; }
    public float MaxGradNorm { get; init; } = 1f;

    /// <summary>Dynamic loss scaling (fp16 training only): initial scale. Default 65536.</summary>
    public float InitialLossScale { get; init; } = 65536f;

    /// <summary>Clean steps before the scale doubles. Default 2000 (GradScaler).</summary>
    public int LossScaleGrowthInterval { get; init; } = 2000;
}

public sealed record ScheduleSpec
{
    /// <summary>Policy iterations to run. Default 100.</summary>
    public int Iterations { get; init; } = 100;

    /// <summary>Checkpoint every K iterations (0 = only at the end). Default 10.</summary>
    public int CheckpointEvery { get; init; } = 10;

    /// <summary>How many checkpoints to keep (oldest deleted after a newer one is complete). Default 2.</summary>
    public int KeepCheckpoints { get; init; } = 2;

    /// <summary>Stop early once training accuracy reaches this (0 = never). Default 0.</summary>
    public double StopAtAccuracy { get; init; }

    /// <summary>
    /// Distributed runs: how many weight versions behind the learner a rollout may be sampled (0 = on-policy: every
    /// step's rollouts use the weights of the step before). The embedded trainer is always on-policy. Default 0.
    /// </summary>
    public int MaxWeightLag { get; init; }
}
