using Xunit;
using Precision.Orleans.Abstractions;
using Precision.Orleans.RL.Experiments;

namespace Precision.Orleans.RL.Tests.Experiments;

public sealed class ExperimentGridTests
{
    private static ExperimentGrid Parse(string yaml, FakeRunSpecSource? specs = null) =>
        ExperimentGridLoader.Parse(yaml, "grid.yaml", specs ?? new FakeRunSpecSource());

    [Fact]
    public void ExpandsAlgorithmsTimesPrecisionsWithNamesAndDTypes()
    {
        var specs = new FakeRunSpecSource();
        var grid = Parse("""
            base:
              model: ckpt
              batch: { prompts: 8 }
            algorithms: [pg-seq-is, grpo-token-tis]
            precisions: ["fp16/fp16", "bf16/fp32", "float32/bf16"]
            """, specs);
        var cells = grid.Expand(specs.Validate);

        Assert.Equal(["pg-seq-is-fp16-fp16", "pg-seq-is-bf16-fp32", "pg-seq-is-fp32-bf16",
                      "grpo-token-tis-fp16-fp16", "grpo-token-tis-bf16-fp32", "grpo-token-tis-fp32-bf16"], cells.Select(c => c.Name));
        var c = cells[4];
        Assert.Equal("grpo-token-tis", c.Spec.Algorithm.Name);
        Assert.Equal((DType.Bf16, DType.Fp32), (c.Spec.Precision.Train, c.Spec.Precision.Rollout));
        Assert.Equal(c.Name, c.Spec.Name);
        // The base mapping went to the run-spec parser as YAML, with its keys.
        Assert.Contains(specs.Loaded, l => l.StartsWith("text:", StringComparison.Ordinal) && l.Contains("model: ckpt") && l.Contains("prompts: 8"));
    }

    [Fact]
    public void DefaultsToThePaperGridAndSeedsAddASuffix()
    {
        var cells = Parse("base: { model: ckpt }\nseeds: [3, 4]").Expand();
        Assert.Equal(ExperimentGrid.DefaultAlgorithms.Count * ExperimentGrid.DefaultPrecisions.Count * 2, cells.Count);
        Assert.Equal("pg-seq-is-fp16-fp16-s3", cells[0].Name);
        Assert.Equal(4, cells[1].Spec.Seed);
        Assert.Contains(cells, c => c.Name == "grpo-bf16-bf16-s4");
    }

    [Fact]
    public void ExtraCellsFollowTheProductAndMayNotRepeatIt()
    {
        var cells = Parse("base: {model: m}\nalgorithms: [grpo]\nprecisions: [bf16/bf16]\nextra_cells: [\"pg-seq-is bf16/fp32\", \"pg-seq-is fp32/fp32\"]").Expand();
        Assert.Equal(["grpo-bf16-bf16", "pg-seq-is-bf16-fp32", "pg-seq-is-fp32-fp32"], cells.Select(c => c.Name));
        Assert.Equal(Abstractions.DType.Fp32, cells[1].Spec.Precision.Rollout);

        var e = Record.Exception(() => Parse("base: {model: m}\nalgorithms: [grpo]\nprecisions: [bf16/bf16]\nextra_cells: [\"grpo bf16/bf16\"]").Expand());
        Assert.Contains("'grpo bf16/bf16' is listed twice in 'algorithms × precisions + extra_cells'", e!.Message);
        e = Record.Exception(() => Parse("base: {model: m}\nextra_cells: [\"pg-seq-is\"]").Expand());
        Assert.Contains("extra_cells[0]: 'pg-seq-is' must be \"algorithm train/rollout\"", e!.Message);
        e = Record.Exception(() => Parse("base: {model: m}\nextra_cells: [\"reinforce fp16/fp16\"]").Expand());
        Assert.Contains("unknown algorithm 'reinforce' in 'extra_cells'", e!.Message);
    }

    [Fact]
    public void BaseSpecPathIsResolvedAgainstTheGridFile()
    {
        string dir = Directory.CreateTempSubdirectory("grid").FullName;
        try
        {
            File.WriteAllText(Path.Combine(dir, "run.yaml"), "model: x\n");
            File.WriteAllText(Path.Combine(dir, "grid.yaml"), "base_spec: run.yaml\nalgorithms: [gspo]\nprecisions: [fp32/fp32]\n");
            var specs = new FakeRunSpecSource();
            var cells = ExperimentGridLoader.Load(Path.Combine(dir, "grid.yaml"), specs).Expand();
            Assert.Equal("gspo-fp32-fp32", Assert.Single(cells).Name);
            Assert.Equal("file:" + Path.Combine(dir, "run.yaml"), Assert.Single(specs.Loaded));
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Theory]
    [InlineData("base: {model: m}\nprecisions: [\"fp16-bf16\"]", "grid.yaml:2: precisions[0]: precision pair 'fp16-bf16': write it as train/rollout")]
    [InlineData("base: {model: m}\nprecisions: [\"fp16/int8\"]", "unknown rollout dtype 'int8'; allowed: fp32, bf16, fp16")]
    [InlineData("base: {model: m}\nalgorithms: [grpo, ppo]", "unknown algorithm 'ppo' in 'algorithms'; allowed: grpo, grpo-token-tis")]
    [InlineData("base: {model: m}\nalgorithms: []", "'algorithms' is empty")]
    [InlineData("base: {model: m}\nprecisions: []", "'precisions' is empty")]
    [InlineData("base: {model: m}\nalgorithms: [grpo, grpo]", "'grpo' is listed twice in 'algorithms'")]
    [InlineData("base: {model: m}\nalgorithm: [grpo]", "grid.yaml:2: unknown key 'algorithm'; allowed: base, base_spec, algorithms, precisions, extra_cells, seeds")]
    [InlineData("algorithms: [grpo]", "missing the base run spec")]
    [InlineData("base: {model: m}\nbase_spec: x.yaml", "not both")]
    [InlineData("base: {model: m}\nalgorithms: grpo", "grid.yaml:2: 'algorithms' must be a list")]
    [InlineData("base: {model: m}\nseeds: [1, -2]", "seeds[1]: seed '-2' must be a whole number >= 0")]
    [InlineData("base_spec: nowhere.yaml", "base_spec 'nowhere.yaml' does not exist")]
    [InlineData("[1, 2]", "an experiment grid is a YAML mapping")]
    [InlineData("base: {model: m\nalgorithms: [", "not valid YAML")]
    public void BadGridsAreRefusedWithAMessageNamingTheProblem(string yaml, string expected)
    {
        var e = Record.Exception(() => Parse(yaml).Expand());
        Assert.NotNull(e);
        Assert.True(e.Message.Contains(expected, StringComparison.Ordinal), $"message: {e}");
    }

    [Fact]
    public void ACellThatFailsRunSpecValidationIsNamed()
    {
        var specs = new FakeRunSpecSource(new Precision.Orleans.RL.Spec.RunSpec { Model = "m", Batch = new Precision.Orleans.RL.Spec.BatchSpec { Prompts = -1 } });
        var e = Assert.Throws<ArgumentException>(() => Parse("base: {model: m}\nalgorithms: [gspo]\nprecisions: [bf16/bf16]", specs).Expand(specs.Validate));
        Assert.Contains("cell 'gspo-bf16-bf16' is not a valid run: batch.prompts must be >= 1, got -1", e.Message);
    }

    [Fact]
    public void OnlySelectsByNameAndRefusesUnknownNames()
    {
        var cells = Parse("base: {model: m}").Expand();
        Assert.Equal(["grpo-bf16-bf16"], ExperimentGrid.Select(cells, ["grpo-bf16-bf16"]).Select(c => c.Name));
        Assert.Equal(cells.Count, ExperimentGrid.Select(cells, []).Count);
        var e = Assert.Throws<ArgumentException>(() => ExperimentGrid.Select(cells, ["grpo-fp8-fp8"]));
        Assert.Contains("no run named 'grpo-fp8-fp8' in the grid; runs: pg-seq-is-fp16-fp16,", e.Message);
    }

    [Fact]
    public void TheExampleSanityGridHasTheAcceptanceCells()
    {
        string dir = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(dir, "Precision.Orleans.sln"))) dir = Path.GetDirectoryName(dir) ?? throw new InvalidOperationException("repository root not found");
        var specs = new FakeRunSpecSource();
        var cells = ExperimentGridLoader.Load(Path.Combine(dir, "examples", "sanity-grid.yaml"), specs).Expand(specs.Validate);
        string[] acceptance = ["pg-seq-is-fp16-fp16", "grpo-bf16-bf16", "grpo-token-tis-bf16-bf16", "pg-seq-is-bf16-fp32", "pg-seq-is-fp32-fp32"];
        Assert.All(acceptance, name => Assert.Contains(cells, c => c.Name == name));
        Assert.Equal(8, cells.Count);
        // The inline base went to the run-spec parser with the perfectible set in it.
        Assert.Contains("sanity-set.jsonl", Assert.Single(specs.Loaded));
    }

    [Fact]
    public void PrecisionPairParsesAliasesAndPrintsBothWays()
    {
        var p = PrecisionPair.Parse(" bfloat16 / fp32 ");
        Assert.Equal(new PrecisionPair(DType.Bf16, DType.Fp32), p);
        Assert.Equal("bf16/fp32", p.ToString());
        Assert.Equal("bf16-fp32", p.Slug);
        Assert.Throws<FormatException>(() => PrecisionPair.Parse("bf16/fp32/fp16"));
    }
}
