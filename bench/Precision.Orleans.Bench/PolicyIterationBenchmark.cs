using Precision.Orleans.Abstractions;
using Precision.Orleans.Engine.Checkpoints;
using Precision.Orleans.Engine.Model;
using Precision.Orleans.Engine.Text;
using Precision.Orleans.Engine.Training;
using Precision.Orleans.RL.Spec;
using Precision.Orleans.RL.Tasks;
using Precision.Orleans.RL.Training;

namespace Precision.Orleans.Bench;

/// <summary>
/// Wall time of one policy iteration of <c>pg-seq-is</c> against <c>grpo-token-tis</c> at equal batch and dtypes
/// (paper §2.1.1: the GRPO family pays an extra π_θ' forward pass, ≈25% of the training compute). The two
/// algorithms run alternately, several short runs each, so machine noise hits both alike; the first iteration of
/// every run (JIT warm-up) is left out.
/// <para>
/// <c>--model DIR --problems FILE</c> time a real base policy on its perfectible set (realistic response lengths);
/// by default a randomly initialised model of the pretrain default size on generated arithmetic, whose responses
/// all run to <c>--max-new-tokens</c> (default 48, about the trained policy's mean length).
/// </para>
/// </summary>
internal static class PolicyIterationBenchmark
{
    private static readonly string[] Algorithms = ["pg-seq-is", "grpo-token-tis"];

    public static int Run(BenchArgs args)
    {
        int repeats = args.Int("--repeats", 3), iterations = args.Int("--iterations", 3);
        int prompts = args.Int("--prompts", 64), group = args.Int("--group", 8), maxNew = args.Int("--max-new-tokens", 48);
        var dtype = args.Get("--dtype") is { } d ? DTypeNames.Parse(d) : DType.Fp16;
        string root = Path.Combine(Path.GetTempPath(), "bench-policy-iteration-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            string model = args.Get("--model") ?? SaveRandomPolicy(Path.Combine(root, "model"));
            var data = args.Get("--problems") is { } problems
                ? new DataSpec { Problems = Path.GetFullPath(problems) }
                : new DataSpec { Task = ArithmeticTask.TaskName, TaskProblems = prompts * 4, Difficulty = 3 };
            Console.WriteLine($"policy iteration: {prompts} prompts × {group} rollouts, 4 mini-batches, {dtype.Name()}/{dtype.Name()}, " +
                              $"≤{maxNew} new tokens, {repeats} runs × {iterations} iterations per algorithm (first iteration of each run left out)");
            var samples = Algorithms.ToDictionary(a => a, _ => new List<IterationMetrics>());
            for (int r = 0; r < repeats; r++)
                foreach (string algorithm in Algorithms)
                {
                    var spec = new RunSpec
                    {
                        Name = $"{algorithm}-{r}",
                        Seed = 1 + r,
                        Model = Path.GetFullPath(model),
                        Data = data,
                        Algorithm = new AlgorithmSpec { Name = algorithm },
                        Precision = new PrecisionSpec { Train = dtype, Rollout = dtype },
                        Batch = new BatchSpec { Prompts = prompts, GroupSize = group, MiniBatches = 4, MicroBatchSequences = 64 },
                        Rollout = new RolloutSpec { MaxNewTokens = maxNew },
                        Schedule = new ScheduleSpec { Iterations = iterations, CheckpointEvery = 0, KeepCheckpoints = 1 },
                    };
                    RunSpecValidator.Validate(spec, "policy-iteration benchmark");
                    new RlTrainer(spec, Path.Combine(root, spec.Name)).Run();
                    samples[algorithm].AddRange(new MetricsLog(Path.Combine(root, spec.Name)).ReadAll().Skip(1));
                }

            Console.WriteLine($"{"algorithm",-16} {"s/iter",8} {"rollout",8} {"old-logp",8} {"train",8} {"sync",8} {"resp tok",9}");
            foreach (string a in Algorithms)
            {
                var m = samples[a];
                Console.WriteLine($"{a,-16} {m.Average(x => x.IterationSeconds),8:F3} {m.Average(x => x.RolloutSeconds),8:F3} " +
                                  $"{m.Average(x => x.OldLogProbSeconds),8:F3} {m.Average(x => x.TrainSeconds),8:F3} " +
                                  $"{m.Average(x => x.SyncSeconds),8:F3} {m.Average(x => (double)x.ResponseTokens),9:F0}");
            }
            var pg = samples[Algorithms[0]];
            var grpo = samples[Algorithms[1]];
            double total = pg.Average(x => x.IterationSeconds) / grpo.Average(x => x.IterationSeconds);
            double training = pg.Average(x => x.TrainSeconds) / grpo.Average(x => x.TrainSeconds + x.OldLogProbSeconds);
            double perToken = pg.Average(x => x.IterationSeconds / x.ResponseTokens) / grpo.Average(x => x.IterationSeconds / x.ResponseTokens);
            Console.WriteLine($"ratio pg-seq-is / grpo-token-tis: whole iteration {total:F2}×, per response token {perToken:F2}×, " +
                              $"training compute (train vs old-logp + train) {training:F2}× (paper: ≈0.8 of the training compute)");
            return 0;
        }
        finally
        {
            if (Directory.Exists(root)) Directory.Delete(root, recursive: true);
        }
    }

    /// <summary>A randomly initialised policy of the pretrain default size (D=128, L=4, I=384) with the arithmetic alphabet.</summary>
    private static string SaveRandomPolicy(string directory)
    {
        var tokenizer = new CharTokenizer(new ArithmeticTask().Alphabet);
        var config = new ModelConfig
        {
            ModelType = "qwen2",
            VocabSize = tokenizer.VocabSize,
            HiddenSize = 128,
            IntermediateSize = 384,
            NumHiddenLayers = 4,
            NumAttentionHeads = 4,
            NumKeyValueHeads = 2,
            MaxPositionEmbeddings = 1024,
            BosTokenId = CharTokenizer.BosId,
            EosTokenId = CharTokenizer.EosId,
        }.Validate();
        var layout = new ParameterLayout(config);
        var weights = new float[layout.TotalCount];
        layout.InitializeRandom(weights, seed: 3);
        ModelCheckpoint.Save(directory, config, layout, weights);
        tokenizer.Save(directory);
        return directory;
    }
}
