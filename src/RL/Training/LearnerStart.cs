using Precision.Orleans.Engine.Checkpoints;
using Precision.Orleans.Engine.Experts;
using Precision.Orleans.Engine.Lora;
using Precision.Orleans.Engine.Model;
using Precision.Orleans.Engine.Rollout;
using Precision.Orleans.Engine.Text;
using Precision.Orleans.Engine.Training;
using Precision.Orleans.RL.Algorithms;
using Precision.Orleans.RL.Checkpoints;
using Precision.Orleans.RL.Spec;
using Precision.Orleans.RL.Tasks;

namespace Precision.Orleans.RL.Training;

/// <summary>
/// A learner opened on a run directory: fresh from the spec's model, or resumed from the newest verified checkpoint
/// (or <c>resumeFrom</c>) with its optimizer, loss-scaler, weight-version and data-position state. Used by the
/// embedded trainer and by the learner grain (whose failover is this resume).
/// </summary>
/// <param name="Learner">The learner, positioned after <paramref name="StartStep"/>.</param>
/// <param name="StartStep">Last step the checkpoint covers (0 for a fresh run).</param>
/// <param name="Resumed">Whether a checkpoint was loaded.</param>
/// <param name="Store">The run's checkpoint store.</param>
/// <param name="Config">Model config of the policy.</param>
/// <param name="Fp16Range">The FP16 range report of the initial weights when an engine runs in fp16 (precision.fp16_range applied), else null.</param>
/// <param name="Footprint">The optimizer state the run holds (LoRA: adapters only), against full fine-tuning of the same model.</param>
public sealed record LearnerStart(PolicyLearner Learner, int StartStep, bool Resumed, CheckpointStore Store, ModelConfig Config,
    Fp16RangeReport? Fp16Range, OptimizerFootprint Footprint)
{
    /// <summary>The difficulty a generated task gets when the spec leaves <c>data.difficulty</c> at 0 (arithmetic: operands of 1–3 digits).</summary>
    public const int DefaultTaskDifficulty = 3;

    /// <param name="expertExecutors">
    /// parallel.expert_workers &gt; 1: builds the executor the engine runs its experts on, from the model, the training
    /// compute dtype and the number of owners (the learner grain: ExpertWorker grains). Null: E in-process owners
    /// (<see cref="TrainingExpertParallelExecutor.InProcess"/>), as the embedded trainer runs them.
    /// </param>
    public static LearnerStart Open(RunSpec spec, string runDirectory, string? resumeFrom = null,
        Func<ModelConfig, Abstractions.DType, int, ITrainingExpertExecutor>? expertExecutors = null)
    {
        Directory.CreateDirectory(runDirectory);
        var initial = Fp16RangeGuard.LoadFor(spec.Model, [spec.Precision.Train, spec.Precision.Rollout], spec.Precision.Fp16Range);
        var tokenizer = TokenizerLoader.Load(spec.Model);
        // Token ids beyond the model's vocabulary would index past its embedding.
        if (tokenizer.VocabSize > initial.Config.VocabSize)
            throw new InvalidDataException(
                $"model '{spec.Model}': the tokenizer has {tokenizer.VocabSize} tokens but the model's vocab_size is {initial.Config.VocabSize}");
        var store = new CheckpointStore(runDirectory);
        var options = TrainingOptions(spec);
        // A LoRA run's base is frozen: its identity is checked when adapters are resumed onto it.
        string? baseHash = options.Lora is null ? null : WeightSync.WeightHash(initial.Weights);
        var resume = FindResumePoint(spec, runDirectory, store, initial.Layout, options.Lora, baseHash, resumeFrom);
        var engine = new TrainingEngine(initial.Config, options, resume?.Weights ?? initial.Weights, spec.Seed, resume?.Adapters);
        if (spec.Parallel.ExpertWorkers > 1)
            engine.ExpertExecutor = expertExecutors?.Invoke(initial.Config, options.ComputeDType, spec.Parallel.ExpertWorkers)
                ?? TrainingExpertParallelExecutor.InProcess(initial.Config, options.ComputeDType, spec.Parallel.ExpertWorkers, options.Kernels);
        var state = resume?.State;
        if (resume is not null)
        {
            resume.M.CopyTo(engine.Optimizer.M, 0);
            resume.V.CopyTo(engine.Optimizer.V, 0);
            engine.Optimizer.StepCount = state!.OptimizerStepCount;
            engine.LossScaler.Restore(state.LossScale, state.LossScaleGrowthTracker, state.SkippedSteps);
        }
        var footprint = OptimizerFootprint.Of(engine);
        AtomicFile.WriteAllText(Path.Combine(runDirectory, OptimizerFootprint.FileName), footprint.ToJson());
        var problems = LoadProblems(spec);
        var order = new PromptOrder(problems, spec.Seed, state?.DataPosition ?? 0);
        var (algorithm, aggregation) = Objective(spec);
        var learner = new PolicyLearner(spec, engine, tokenizer, order, algorithm, aggregation, state?.WeightVersion ?? 0, baseHash);
        learner.EncodeAll(problems);
        return new LearnerStart(learner, state?.Step ?? 0, resume is not null, store, initial.Config, initial.Fp16Range, footprint);
    }

    /// <summary>The verified checkpoint to continue from, or null for a fresh run.</summary>
    private static TrainerCheckpoint? FindResumePoint(RunSpec spec, string runDirectory, CheckpointStore store, ParameterLayout layout,
        LoraConfig? lora, string? baseHash, string? resumeFrom)
    {
        TrainerCheckpoint Load(string path) => CheckpointStore.Load(path, layout, lora, baseHash);
        TrainerCheckpoint? checkpoint;
        if (resumeFrom is not null)
        {
            string dir = store.Resolve(resumeFrom);
            checkpoint = Load(dir);
            foreach (var (step, path) in store.List().Where(c => c.Step > checkpoint.State.Step)) store.SetAside(path);
        }
        else
        {
            var all = store.List();
            if (all.Count == 0) return null;
            try
            {
                checkpoint = Load(all[^1].Path);
            }
            catch (CheckpointCorruptException e)
            {
                throw new CheckpointCorruptException(e.Message + ". Nothing was deleted. " + PreviousIntact(all.SkipLast(1), Load),
                    e.CheckpointDirectory, e.File, e);
            }
        }
        string hash = RunSpecWriter.TrajectoryHash(spec);
        if (checkpoint.State.SpecHash != hash)
            throw new InvalidOperationException(
                $"checkpoint '{checkpoint.Directory}' was written by a run spec with a different trajectory (model, data, algorithm, dtypes, batch, rollout or optimizer " +
                $"differ from '{Path.Combine(runDirectory, RlTrainer.SpecFileName)}'); only the name and schedule may change on resume. Use another output directory for a new run.");
        return checkpoint;
    }

    private static string PreviousIntact(IEnumerable<(int Step, string Path)> older, Func<string, TrainerCheckpoint> load)
    {
        foreach (var (_, path) in older.Reverse())
        {
            try
            {
                load(path);
                string name = Path.GetFileName(path);
                return $"The previous intact checkpoint is '{path}': resume from it with --resume-from {name} (RlTrainer.ResumeFrom = \"{name}\").";
            }
            catch (CheckpointCorruptException)
            {
            }
        }
        return "No older intact checkpoint exists; start over in a new output directory.";
    }

    private static IReadOnlyList<Problem> LoadProblems(RunSpec spec) =>
        spec.Data.Problems is { } file
            ? ProblemSetFile.ReadProblems(file)
            : TaskCatalog.Get(spec.Data.Task!).Generate(spec.Data.TaskProblems, spec.Seed, spec.Data.Difficulty > 0 ? spec.Data.Difficulty : DefaultTaskDifficulty);

    /// <summary>The training engine's options from the spec: dtype, AdamW, loss scaling, LoRA adapters and the MoE load-balancing loss.</summary>
    internal static TrainingOptions TrainingOptions(RunSpec spec) => new()
    {
        ComputeDType = spec.Precision.Train,
        Kernels = Engine.Backends.KernelSets.For(spec.Precision.Device),
        // model.moe.aux_loss_coef: 0 (the default) leaves the load-balancing loss off.
        RouterAuxLossCoef = spec.Moe is { AuxLossCoef: > 0 } moe ? (float)moe.AuxLossCoef : null,
        Optimizer = new AdamWOptions
        {
            LearningRate = spec.Optimizer.LearningRate,
            Beta1 = spec.Optimizer.Beta1,
            Beta2 = spec.Optimizer.Beta2,
            Epsilon = spec.Optimizer.Epsilon,
            WeightDecay = spec.Optimizer.WeightDecay,
            MaxGradNorm = spec.Optimizer.MaxGradNorm,
        },
        LossScaler = new LossScalerOptions { InitialScale = spec.Optimizer.InitialLossScale, GrowthInterval = spec.Optimizer.LossScaleGrowthInterval },
        Lora = spec.Lora is { } lora
            ? new LoraConfig
            {
                Rank = lora.Rank,
                Alpha = (float)lora.Alpha,
                TargetModules = lora.TargetModules.ToList(),
                BaseModelNameOrPath = spec.Model,
            }.Validate()
            : null,
    };

    /// <summary>The run's policy loss and aggregation (the learner's, and a gradient worker grain's from the same spec).</summary>
    public static (PolicyLoss Algorithm, LossAggregation Aggregation) Objective(RunSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return (AlgorithmCatalog.Create(spec.Algorithm.Name, AlgorithmOptions(spec)), LossAggregationNames.Parse(spec.Algorithm.Aggregation));
    }

    private static AlgorithmOptions AlgorithmOptions(RunSpec spec) => new()
    {
        ClipLow = spec.Algorithm.ClipLow,
        ClipHigh = spec.Algorithm.ClipHigh,
        GspoClipLow = spec.Algorithm.GspoClipLow,
        GspoClipHigh = spec.Algorithm.GspoClipHigh,
        ImportanceCap = spec.Algorithm.ImportanceCap,
        DualClipRatio = spec.Algorithm.DualClipRatio,
        LogRatioClamp = spec.Algorithm.LogRatioClamp,
        MisLowerBound = spec.Algorithm.MisLowerBound,
    };
}
