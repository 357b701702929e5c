using Precision.Orleans.Engine.Checkpoints;
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
/// The embedded (single-process) trainer: rollout engine samples with μ → rewards → group-relative
/// advantages → training engine steps in its dtype with loss scaling → weight sync, once per policy iteration.
/// Writes <c>metrics.jsonl</c>, <c>metrics.csv</c>, <c>spec.yaml</c> and <c>checkpoints/</c> under the run directory
/// and resumes from the newest checkpoint found there (or <see cref="ResumeFrom"/>).
/// </summary>
public sealed class RlTrainer
{
    public const string SpecFileName = "spec.yaml";

    /// <summary>Accuracy that counts as "solved" in <see cref="RunSummary.FirstStepAtTarget"/> (the paper's 95%).</summary>
    public const double TargetAccuracy = 0.95;

    /// <summary>The difficulty a generated task gets when the spec leaves <c>data.difficulty</c> at 0 (arithmetic: operands of 1–3 digits).</summary>
    public const int DefaultTaskDifficulty = 3;

    public RlTrainer(RunSpec spec, string runDirectory)
    {
        Spec = spec;
        RunDirectory = runDirectory;
    }

    public RunSpec Spec { get; }
    public string RunDirectory { get; }

    /// <summary>
    /// Resume from this checkpoint ("step-000010", "10" or a directory) instead of the newest; newer checkpoints are
    /// moved aside (renamed <c>….superseded-…</c>, never deleted). Null: the newest, which must verify.
    /// </summary>
    public string? ResumeFrom { get; init; }

    /// <summary>Called once the engines are built, before the first iteration, with the optimizer state the run holds.</summary>
    public Action<OptimizerFootprint>? Started { get; init; }

    /// <summary>Called after loading when an engine runs in fp16, with the FP16 range report of the initial weights.</summary>
    public Action<Fp16RangeReport>? Fp16RangeChecked { get; init; }

    /// <summary>Runs (or resumes) the run to <see cref="ScheduleSpec.Iterations"/>; reports every iteration's metrics.</summary>
    public RunSummary Run(IProgress<IterationMetrics>? progress = null, CancellationToken cancellationToken = default)
    {
        Directory.CreateDirectory(RunDirectory);
        var initial = Fp16RangeGuard.LoadFor(Spec.Model, [Spec.Precision.Train, Spec.Precision.Rollout], Spec.Precision.Fp16Range);
        if (initial.Fp16Range is { } range) Fp16RangeChecked?.Invoke(range);
        var tokenizer = TokenizerLoader.Load(Spec.Model);
        var store = new CheckpointStore(RunDirectory);
        var options = TrainingOptions();
        // A LoRA run's base is frozen: its identity is checked when adapters are resumed onto it.
        string? baseHash = options.Lora is null ? null : WeightSync.WeightHash(initial.Weights);
        var resume = FindResumePoint(store, initial.Layout, options.Lora, baseHash);

        var engine = new TrainingEngine(initial.Config, options, resume?.Weights ?? initial.Weights, Spec.Seed, resume?.Adapters);
        var state = resume?.State;
        if (resume is not null)
        {
            resume.M.CopyTo(engine.Optimizer.M, 0);
            resume.V.CopyTo(engine.Optimizer.V, 0);
            engine.Optimizer.StepCount = state!.OptimizerStepCount;
            engine.LossScaler.Restore(state.LossScale, state.LossScaleGrowthTracker, state.SkippedSteps);
        }
        var rollout = new RolloutEngine(initial.Config, Spec.Precision.Rollout);
        long version = state?.WeightVersion ?? 0;
        var publisher = new PolicyPublisher(engine, rollout, Spec.Lora);
        publisher.Publish(version);
        var footprint = OptimizerFootprint.Of(engine);
        AtomicFile.WriteAllText(Path.Combine(RunDirectory, OptimizerFootprint.FileName), footprint.ToJson());
        Started?.Invoke(footprint);

        var order = new PromptOrder(LoadProblems(), Spec.Seed, state?.DataPosition ?? 0);
        var iteration = new PolicyIteration(Spec, engine, rollout, tokenizer, order, RewardFunctions.For(Spec.Data.Task),
            AlgorithmCatalog.Create(Spec.Algorithm.Name, AlgorithmOptions()), LossAggregationNames.Parse(Spec.Algorithm.Aggregation), publisher)
        {
            WeightVersion = version,
        };

        int startStep = state?.Step ?? 0;
        var metrics = new MetricsLog(RunDirectory);
        var rows = metrics.TruncateTo(startStep).ToList();
        AtomicFile.WriteAllText(Path.Combine(RunDirectory, SpecFileName), RunSpecWriter.ToYaml(Spec));

        int step = startStep, lastCheckpoint = startStep;
        while (step < Spec.Schedule.Iterations && !cancellationToken.IsCancellationRequested)
        {
            var row = iteration.Run(++step);
            metrics.Append(row);
            rows.Add(row);
            progress?.Report(row);
            if (Spec.Schedule.CheckpointEvery > 0 && step % Spec.Schedule.CheckpointEvery == 0)
                Checkpoint(store, engine, tokenizer, iteration, order, lastCheckpoint = step, baseHash);
            if (Spec.Schedule.StopAtAccuracy > 0 && row.Accuracy >= Spec.Schedule.StopAtAccuracy) break;
        }
        if (step > lastCheckpoint) Checkpoint(store, engine, tokenizer, iteration, order, step, baseHash);

        return new RunSummary(step, resume is null ? null : startStep, rows.LastOrDefault(),
            rows.Count == 0 ? 0 : rows.Max(r => r.Accuracy), rows.FirstOrDefault(r => r.Accuracy >= TargetAccuracy)?.Step, metrics.JsonlPath, footprint);
    }

    private void Checkpoint(CheckpointStore store, TrainingEngine engine, ITokenizer tokenizer, PolicyIteration iteration, PromptOrder order, int step,
        string? baseHash) =>
        store.Save(engine, tokenizer, new TrainerState
        {
            Step = step,
            OptimizerStepCount = engine.Optimizer.StepCount,
            LossScale = engine.LossScaler.Scale,
            LossScaleGrowthTracker = engine.LossScaler.GrowthTracker,
            SkippedSteps = engine.LossScaler.SkippedSteps,
            WeightVersion = iteration.WeightVersion,
            DataPosition = order.Position,
            Seed = Spec.Seed,
            SpecHash = RunSpecWriter.TrajectoryHash(Spec),
        }, Spec.Schedule.KeepCheckpoints, baseHash);

    /// <summary>The verified checkpoint to continue from, or null for a fresh run.</summary>
    private TrainerCheckpoint? FindResumePoint(CheckpointStore store, ParameterLayout layout, LoraConfig? lora, string? baseHash)
    {
        TrainerCheckpoint Load(string path) => CheckpointStore.Load(path, layout, lora, baseHash);
        TrainerCheckpoint? checkpoint;
        if (ResumeFrom is not null)
        {
            string dir = store.Resolve(ResumeFrom);
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
        string hash = RunSpecWriter.TrajectoryHash(Spec);
        if (checkpoint.State.SpecHash != hash)
            throw new InvalidOperationException(
                $"checkpoint '{checkpoint.Directory}' was written by a run spec with a different trajectory (model, data, algorithm, dtypes, batch, rollout or optimizer " +
                $"differ from '{Path.Combine(RunDirectory, SpecFileName)}'); only the name and schedule may change on resume. Use another output directory for a new run.");
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

    private IReadOnlyList<Problem> LoadProblems() =>
        Spec.Data.Problems is { } file
            ? ProblemSetFile.ReadProblems(file)
            : TaskCatalog.Get(Spec.Data.Task!).Generate(Spec.Data.TaskProblems, Spec.Seed, Spec.Data.Difficulty > 0 ? Spec.Data.Difficulty : DefaultTaskDifficulty);

    /// <summary>The training engine's options from the spec: dtype, AdamW, loss scaling, LoRA adapters and the MoE load-balancing loss.</summary>
    internal TrainingOptions TrainingOptions() => new()
    {
        ComputeDType = Spec.Precision.Train,
        // model.moe.aux_loss_coef: 0 (the default) leaves the load-balancing loss off.
        RouterAuxLossCoef = Spec.Moe is { AuxLossCoef: > 0 } moe ? (float)moe.AuxLossCoef : null,
        Optimizer = new AdamWOptions
        {
            LearningRate = Spec.Optimizer.LearningRate,
            Beta1 = Spec.Optimizer.Beta1,
            Beta2 = Spec.Optimizer.Beta2,
            Epsilon = Spec.Optimizer.Epsilon,
            WeightDecay = Spec.Optimizer.WeightDecay,
            MaxGradNorm = Spec.Optimizer.MaxGradNorm,
        },
        LossScaler = new LossScalerOptions { InitialScale = Spec.Optimizer.InitialLossScale, GrowthInterval = Spec.Optimizer.LossScaleGrowthInterval },
        Lora = Spec.Lora is { } lora
            ? new LoraConfig
            {
                Rank = lora.Rank,
                Alpha = (float)lora.Alpha,
                TargetModules = lora.TargetModules.ToList(),
                BaseModelNameOrPath = Spec.Model,
            }.Validate()
            : null,
    };

    private AlgorithmOptions AlgorithmOptions() => new()
    {
        ClipLow = Spec.Algorithm.ClipLow,
        ClipHigh = Spec.Algorithm.ClipHigh,
        GspoClipLow = Spec.Algorithm.GspoClipLow,
        GspoClipHigh = Spec.Algorithm.GspoClipHigh,
        ImportanceCap = Spec.Algorithm.ImportanceCap,
    };
}
