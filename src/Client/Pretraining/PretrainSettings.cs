using Precision.Orleans.Abstractions;
using Precision.Orleans.Engine.Model;
using Precision.Orleans.RL.Tasks;

namespace Precision.Orleans.Client.Pretraining;

/// <summary>
/// What <c>precision pretrain</c> trains and how it measures the result. The defaults are tuned so that
/// the run finishes within ~5 minutes on 2 cores and leaves the model only partially right. Measured on the
/// shared 2-core machine (other builds running): 1100 steps trained in 212 s, held-out avg@16 64% at T = 1
/// with 26 of 128 problems between 20% and 80%. Tuning runs: difficulty 4 / 500 steps left it mostly wrong
/// (avg 20%, 11 of 128 in the band), difficulty 3 / 800 steps 36% (19), 1400 steps mostly right (75%, 25):
/// its errors are systematic per problem, so the spread stays bimodal and the band holds about a fifth.
/// </summary>
internal sealed record PretrainSettings : LanguageModel.IModelShape
{
    public required string OutputDirectory { get; init; }
    public string Task { get; init; } = ArithmeticTask.TaskName;

    /// <summary>Problems draw operands of 1..Difficulty digits.</summary>
    public int Difficulty { get; init; } = Evaluation.ProblemSource.DefaultDifficulty;
    public int Steps { get; init; } = 1100;
    public int BatchSize { get; init; } = 32;
    public DType DType { get; init; } = DType.Fp32;
    public float LearningRate { get; init; } = 3e-3f;
    public int WarmupSteps { get; init; } = 20;
    public int Seed { get; init; }
    public int HiddenSize { get; init; } = 128;
    public int Layers { get; init; } = 4;
    public int Heads { get; init; } = 4;
    public int KvHeads { get; init; } = 2;
    public int IntermediateSize { get; init; } = 384;

    /// <summary>HF model_type of the model trained: qwen2 (default), llama, qwen3 or qwen3_moe.</summary>
    public string ModelType { get; init; } = "qwen2";

    /// <summary>qwen3_moe: routed experts per layer (default 8), experts per token (default 2), expert inner width (default 96).</summary>
    public int Experts { get; init; } = 8;
    public int ExpertsPerToken { get; init; } = 2;
    public int MoeIntermediateSize { get; init; } = 96;

    /// <summary>Held-out problems whose accuracy spread is measured after training.</summary>
    public int HeldOutProblems { get; init; } = 128;

    /// <summary>Samples per held-out problem (K), at temperature 1.</summary>
    public int SpreadSamples { get; init; } = 16;

    /// <summary><c>--overwrite</c>: replace a model already in <see cref="OutputDirectory"/>.</summary>
    public bool Overwrite { get; init; }

    public PretrainSettings Validate()
    {
        TaskCatalog.Get(Task);
        if (Difficulty < 1 || Difficulty > ArithmeticTask.MaxDifficulty)
            throw new ArgumentException($"--difficulty must be in [1, {ArithmeticTask.MaxDifficulty}], got {Difficulty}");
        if (Steps < 1 || Steps > 10_000_000) throw new ArgumentException($"--steps must be in [1, 10000000], got {Steps}");
        if (BatchSize < 1 || BatchSize > 65536) throw new ArgumentException($"--batch must be in [1, 65536], got {BatchSize}");
        if (!(LearningRate > 0 && LearningRate <= 1)) throw new ArgumentException($"--lr must be a number in (0, 1], got {LearningRate}");
        if (WarmupSteps < 0) throw new ArgumentException($"--warmup must be >= 0, got {WarmupSteps}");
        if (HeldOutProblems < 0 || HeldOutProblems > 100_000) throw new ArgumentException($"--held-out must be in [0, 100000], got {HeldOutProblems}");
        if (SpreadSamples < 1 || SpreadSamples > 10_000) throw new ArgumentException($"--spread-samples must be in [1, 10000], got {SpreadSamples}");
        LanguageModel.ModelShapeExtensions.ValidateShape(this);
        if (Heads % KvHeads != 0) throw new ArgumentException($"--kv-heads ({KvHeads}) must divide --heads ({Heads})");
        if (HiddenSize % Heads != 0 || HiddenSize / Heads % 2 != 0)
            throw new ArgumentException($"--hidden ({HiddenSize}) / --heads ({Heads}) must be an even whole head width");
        return this;
    }

    /// <summary>Room for the longest worked solution at this difficulty, plus slack for a rambling sample.</summary>
    public int SpreadMaxNewTokens(IProblemTask task, IReadOnlyList<Problem> heldOut) =>
        heldOut.Count == 0 ? 64 : heldOut.Max(p => task.WorkedSolution(p).Length) * 3 / 2 + 16;
}
