using System.Security.Cryptography;
using Xunit;
using Precision.Orleans.Abstractions;
using Precision.Orleans.Engine.Checkpoints;
using Precision.Orleans.Engine.Text;
using Precision.Orleans.RL.Evaluation;
using Precision.Orleans.RL.Tasks;

namespace Precision.Orleans.RL.Tests.Pretraining;

/// <summary>
/// examples/base-policy is the base policy ./demo.sh copies instead of pretraining: its files must match SHA256SUMS,
/// load with their own checksums verified, and still be the policy whose accuracy spread.jsonl recorded.
/// </summary>
public sealed class ShippedBasePolicyTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("base-policy-").FullName;
    private static readonly string PolicyDir = FindPolicyDirectory();

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string FindPolicyDirectory()
    {
        string dir = AppContext.BaseDirectory;
        while (!Directory.Exists(Path.Combine(dir, "examples", "base-policy")))
            dir = Path.GetDirectoryName(dir) ?? throw new DirectoryNotFoundException("examples/base-policy not found above the test binaries");
        return Path.Combine(dir, "examples", "base-policy");
    }

    [Fact]
    public void EveryFileMatchesSha256SumsAndTheCheckpointFilesAreListed()
    {
        var listed = File.ReadAllLines(Path.Combine(PolicyDir, "SHA256SUMS"))
            .Select(line => line.Split("  ", 2))
            .ToDictionary(parts => parts[1], parts => parts[0]);
        Assert.Contains(ModelCheckpoint.ConfigFileName, listed.Keys);
        Assert.Contains(ModelCheckpoint.WeightsFileName, listed.Keys);
        Assert.Contains("tokenizer.chars.json", listed.Keys);
        foreach (var (name, expected) in listed)
            Assert.Equal(expected, Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(Path.Combine(PolicyDir, name)))));
    }

    [Fact]
    public void LoadsWithItsHeaderChecksumsAsTheDemoDefaultModel()
    {
        var checkpoint = ModelCheckpoint.Load(PolicyDir);
        // The load verified both (HfCheckpoint verifies them when present): make sure they are present.
        Assert.True(checkpoint.Metadata.ContainsKey(ModelCheckpoint.ChecksumKey));
        Assert.True(checkpoint.Metadata.ContainsKey(ModelCheckpoint.ConfigChecksumKey));
        Assert.Equal(797_312, checkpoint.Layout.TotalCount);
        Assert.Equal(128, checkpoint.Config.HiddenSize);
        Assert.Equal(4, checkpoint.Config.NumHiddenLayers);
        Assert.Equal("precision pretrain", checkpoint.Metadata["precision.trained_by"]);
        Assert.Equal("1100", checkpoint.Metadata["precision.steps"]);
        var tokenizer = CharTokenizer.Load(PolicyDir);
        Assert.Equal(new ArithmeticTask().Alphabet, tokenizer.Alphabet);
        Assert.Equal(tokenizer.VocabSize, checkpoint.Config.VocabSize);
    }

    [Fact]
    public void ACopyWithOneWeightByteChangedIsRefused()
    {
        foreach (string file in Directory.GetFiles(PolicyDir)) File.Copy(file, Path.Combine(_dir, Path.GetFileName(file)));
        string weights = Path.Combine(_dir, ModelCheckpoint.WeightsFileName);
        byte[] bytes = File.ReadAllBytes(weights);
        bytes[^5] ^= 0x01; // inside the data section (the header comes first)
        File.WriteAllBytes(weights, bytes);
        var e = Assert.Throws<InvalidDataException>(() => ModelCheckpoint.Load(_dir));
        Assert.Contains("checksum of the data section", e.Message);
    }

    [Fact]
    public void StillSolvesWhatSpreadJsonlRecordedAsSolvedAndMissesWhatItRecordedAsMissed()
    {
        var records = ProblemSetFile.Read(Path.Combine(PolicyDir, "spread.jsonl"));
        var solved = records.Where(r => r.Accuracy == 1.0).Take(8).ToList();
        var missed = records.Where(r => r.Accuracy == 0.0).Take(8).ToList();
        Assert.Equal(8, solved.Count);
        Assert.Equal(8, missed.Count);
        var sampler = PolicySampler.Load(PolicyDir, DType.Fp32);
        var options = new PolicySamplingOptions { SamplesPerProblem = 8, Temperature = 1f, MaxNewTokens = 116, Seed = 3 };
        double Mean(List<ProblemRecord> set) => sampler
            .Measure([.. set.Select(r => r.Problem)], _ => RewardFunctions.For("arithmetic"), options)
            .Average(a => a.Accuracy);
        // Recorded 16/16 and 0/16 at temperature 1: a different policy (or damaged weights) would not keep both.
        Assert.InRange(Mean(solved), 0.75, 1.0);
        Assert.InRange(Mean(missed), 0.0, 0.25);
    }
}
