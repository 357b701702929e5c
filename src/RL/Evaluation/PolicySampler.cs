using Precision.Orleans.Abstractions;
using Precision.Orleans.Engine.Checkpoints;
using Precision.Orleans.Engine.Model;
using Precision.Orleans.Engine.Rollout;
using Precision.Orleans.Engine.Text;
using Precision.Orleans.RL.Tasks;

namespace Precision.Orleans.RL.Evaluation;

/// <summary>
/// Measures a policy's per-problem accuracy: K sampled responses per problem (the prompt as <see cref="Prompts"/> encodes
/// it: &lt;bos&gt; + prompt text for our char models, the chat template for a Hugging Face model; stop at the tokenizer's
/// stop tokens), each scored by the problem's reward. A response cut at the token limit scores 0
/// whatever its text: it never finished. Deterministic given the seed and the chunk size.
/// </summary>
public sealed class PolicySampler
{
    private readonly RolloutEngine _engine;

    public ITokenizer Tokenizer { get; }

    /// <summary>The tokenizer with the chat template prompts are wrapped in, and the ids that end a response.</summary>
    public PromptEncoder Prompts { get; }

    public ModelConfig Config => _engine.Config;

    public DType DType => _engine.DType;

    /// <summary>The checkpoint's metadata (e.g. what pretrained it), empty for weights given directly.</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; private init; } = new Dictionary<string, string>();

    /// <param name="chatTemplate">none | chatml | llama3 | deepseek-r1, or null/"auto" for the model's own (see <see cref="PromptEncoder.Create"/>).</param>
    public PolicySampler(ModelConfig config, ReadOnlySpan<float> weights, ITokenizer tokenizer, DType dtype, int maxBatchSize = 64, string? chatTemplate = null)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        if (tokenizer.VocabSize > config.VocabSize)
            throw new ArgumentException($"policy: the tokenizer has {tokenizer.VocabSize} tokens but the model only {config.VocabSize}");
        Tokenizer = tokenizer;
        Prompts = PromptEncoder.Create(tokenizer, chatTemplate, config.ModelType);
        _engine = new RolloutEngine(config, dtype, maxBatchSize);
        _engine.LoadWeights(weights, 0);
    }

    /// <summary>A sampler over the checkpoint (config.json + model.safetensors + tokenizer) in <paramref name="directory"/>.</summary>
    /// <param name="fp16Range">Weights beyond FP16's range when <paramref name="dtype"/> is fp16: refuse (default) or clamp.</param>
    public static PolicySampler Load(string directory, DType dtype, int maxBatchSize = 64, string? chatTemplate = null,
        Fp16RangePolicy fp16Range = Fp16RangePolicy.Refuse)
    {
        if (!Directory.Exists(directory)) throw new DirectoryNotFoundException($"policy: model directory '{directory}' does not exist");
        LoadedCheckpoint checkpoint = Fp16RangeGuard.LoadFor(directory, [dtype], fp16Range);
        return new PolicySampler(checkpoint.Config, checkpoint.Weights, TokenizerLoader.Load(directory), dtype, maxBatchSize, chatTemplate)
        {
            Metadata = checkpoint.Metadata,
        };
    }

    /// <summary>
    /// Per-problem accuracy, in the order of <paramref name="problems"/>. <paramref name="rewardOf"/> picks each
    /// problem's reward; <paramref name="progress"/> receives the number of problems finished so far.
    /// </summary>
    public IReadOnlyList<ProblemAccuracy> Measure(IReadOnlyList<Problem> problems, Func<Problem, IRewardFunction> rewardOf,
        PolicySamplingOptions options, IProgress<int>? progress = null, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(problems);
        ArgumentNullException.ThrowIfNull(rewardOf);
        options.Validate();
        int k = options.SamplesPerProblem;
        int problemsPerChunk = Math.Max(1, options.ResponsesPerChunk / k);
        int[][] prompts = [.. problems.Select(EncodePrompt)];
        var results = new List<ProblemAccuracy>(problems.Count);
        for (int first = 0; first < problems.Count; first += problemsPerChunk)
        {
            cancellation.ThrowIfCancellationRequested();
            int count = Math.Min(problemsPerChunk, problems.Count - first);
            var chunkPrompts = new int[count * k][];
            for (int i = 0; i < count * k; i++) chunkPrompts[i] = prompts[first + i / k];
            var sampling = new SamplingOptions
            {
                Temperature = options.Temperature,
                TopP = options.TopP,
                MaxNewTokens = options.MaxNewTokens,
                StopTokens = [.. Prompts.StopTokens],
                // Each chunk gets its own stream family, keyed by its first problem.
                Seed = options.Seed * 0x9E3779B97F4A7C15UL + (ulong)first,
            };
            IReadOnlyList<RolloutSequence> responses = _engine.Generate(chunkPrompts, sampling);
            for (int p = 0; p < count; p++)
            {
                Problem problem = problems[first + p];
                IRewardFunction reward = rewardOf(problem);
                int correct = 0;
                long tokens = 0;
                for (int s = 0; s < k; s++)
                {
                    RolloutSequence r = responses[p * k + s];
                    tokens += r.Tokens.Length;
                    if (Score(reward, problem, r) > 0.5) correct++;
                }
                results.Add(new ProblemAccuracy(problem, correct, k, (double)tokens / k));
            }
            progress?.Report(first + count);
        }
        return results;
    }

    /// <summary>Per-problem accuracy with one reward for every problem.</summary>
    public IReadOnlyList<ProblemAccuracy> Measure(IReadOnlyList<Problem> problems, IRewardFunction reward,
        PolicySamplingOptions options, IProgress<int>? progress = null, CancellationToken cancellation = default) =>
        Measure(problems, _ => reward, options, progress, cancellation);

    /// <summary>The reward of one response; a response that never emitted &lt;eos&gt; is truncated and earns 0.</summary>
    public double Score(IRewardFunction reward, Problem problem, RolloutSequence response) =>
        response.Finish == FinishReason.Stop ? reward.Reward(problem, Tokenizer.Decode(response.Tokens)) : 0.0;

    private int[] EncodePrompt(Problem problem)
    {
        try
        {
            return Prompts.Encode(problem.Prompt);
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException($"problem '{problem.Id}': the prompt cannot be tokenized by this model: {e.Message}", e);
        }
    }
}
