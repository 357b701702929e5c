using System.Text.Json.Nodes;
using Xunit;
using Precision.Orleans.Abstractions;
using Precision.Orleans.Client.Evaluation;
using Precision.Orleans.Client.Pretraining;
using Precision.Orleans.Engine.Checkpoints;
using Precision.Orleans.Engine.Text;
using Precision.Orleans.RL.Tasks;

namespace Precision.Orleans.RL.Tests.Pretraining;

// Spectre.Console live displays are process-wide and exclusive: console-running tests share one collection.
[Collection(ConsoleTests.Collection)]
public sealed class PretrainTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("pretrain-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private PretrainSettings Tiny(string name) => new()
    {
        OutputDirectory = Path.Combine(_dir, name),
        Difficulty = 2,
        Steps = 3,
        BatchSize = 4,
        HiddenSize = 16,
        Layers = 1,
        Heads = 2,
        KvHeads = 1,
        IntermediateSize = 32,
        HeldOutProblems = 4,
        SpreadSamples = 2,
    };

    [Fact]
    public void BatchesPutTheLossOnTheResponseTokensOnly()
    {
        var task = new ArithmeticTask();
        var tokenizer = new CharTokenizer(task.Alphabet);
        var batch = new WorkedSolutionBatches(task, tokenizer, 4, 3, seed: 5).ForStep(1);
        var problems = task.Generate(4, ProblemSeeds.Pretraining(5, 1), 3);
        for (int b = 0; b < 4; b++)
        {
            string response = task.WorkedSolution(problems[b]);
            int start = 1 + problems[b].Prompt.Length, row = b * batch.SeqLen;
            Assert.Equal(start + response.Length + 1, batch.Lengths[b]);
            Assert.Equal(response.Length + 1, (int)batch.TargetMask.AsSpan(row, batch.SeqLen).ToArray().Sum());
            Assert.Equal(0f, batch.TargetMask[row + start - 1]);
            Assert.Equal(1f, batch.TargetMask[row + start]);
            Assert.Equal(tokenizer.Encode(response[..1])[0], batch.Tokens[row + start]);
            Assert.Equal(CharTokenizer.EosId, batch.Tokens[row + batch.Lengths[b] - 1]);
        }
    }

    [Fact]
    public void ATinyRunSavesALoadableCheckpointTokenizerAndSpread()
    {
        var s = Tiny("model");
        Assert.Equal(0, PretrainRunner.Run(s));
        var checkpoint = ModelCheckpoint.Load(s.OutputDirectory);
        var tokenizer = CharTokenizer.Load(s.OutputDirectory);
        Assert.Equal(new ArithmeticTask().Alphabet, tokenizer.Alphabet);
        Assert.Equal(tokenizer.VocabSize, checkpoint.Config.VocabSize);
        Assert.Equal("2", checkpoint.Metadata[PretrainMetadata.DifficultyKey]);
        Assert.True(File.Exists(Path.Combine(s.OutputDirectory, "loss.svg")));
        Assert.Equal(4, File.ReadAllLines(Path.Combine(s.OutputDirectory, "loss.csv")).Length);
        var spread = JsonNode.Parse(File.ReadAllText(Path.Combine(s.OutputDirectory, PretrainRunner.SpreadJson)))!;
        Assert.Equal(4, spread["problems"]!.GetValue<int>());
        Assert.Equal(4, spread["histogram"]!["counts"]!.AsArray().Sum(c => c!.GetValue<int>()));
        var measured = ProblemSetFile.Read(Path.Combine(s.OutputDirectory, PretrainRunner.SpreadProblems));
        Assert.All(measured, r => Assert.Equal(2, r.Samples));

        // The perfectible set and eval run on the saved model, at its pretraining difficulty by default.
        string kept = Path.Combine(_dir, "sets", "kept.jsonl");
        Assert.Equal(0, SanitySetRunner.Run(new SanitySetSettings
        {
            ModelDirectory = s.OutputDirectory,
            Source = new ProblemSource { Count = 5, Seed = 1 },
            Samples = 2,
            Min = 0,
            Max = 1,
            MaxNewTokens = 24,
            Output = kept,
        }));
        var all = ProblemSetFile.Read(Path.Combine(_dir, "sets", "kept.all.jsonl"));
        Assert.Equal(5, all.Count);
        Assert.Equal(all, ProblemSetFile.Read(kept)); // [0, 1] keeps everything
        Assert.All(all, r => Assert.Equal(2, r.Problem.Difficulty));
        Assert.All(all, r => Assert.Equal(2, r.Samples));

        string evalJson = Path.Combine(_dir, "eval.json");
        Assert.Equal(0, EvalRunner.Run(new EvalSettings
        {
            ModelDirectory = s.OutputDirectory,
            Source = new ProblemSource { ProblemsFile = kept },
            K = 2,
            DType = DType.Bf16,
            MaxNewTokens = 24,
            Output = evalJson,
        }));
        var eval = JsonNode.Parse(File.ReadAllText(evalJson))!;
        Assert.Equal(5, eval["problems"]!.GetValue<int>());
        Assert.InRange(eval["avg_at_k"]!.GetValue<double>(), 0, 1);
    }

    [Fact]
    public void BadSettingsAreRefusedNamingTheOption()
    {
        Assert.Contains("--difficulty", Assert.Throws<ArgumentException>(() => (Tiny("x") with { Difficulty = 0 }).Validate()).Message);
        Assert.Contains("--steps", Assert.Throws<ArgumentException>(() => (Tiny("x") with { Steps = 0 }).Validate()).Message);
        Assert.Contains("--kv-heads", Assert.Throws<ArgumentException>(() => (Tiny("x") with { KvHeads = 3 }).Validate()).Message);
        Assert.Contains("arithmetic", Assert.Throws<ArgumentException>(() => (Tiny("x") with { Task = "chess" }).Validate()).Message);
    }
}
