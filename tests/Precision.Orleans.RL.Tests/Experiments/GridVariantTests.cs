using Precision.Orleans.Abstractions;
using Precision.Orleans.RL.Experiments;
using Xunit;

namespace Precision.Orleans.RL.Tests.Experiments;

public sealed class GridVariantTests
{
    private const string LoraGrid = """
        base:
          model: ckpt
        algorithms: [pg-seq-is]
        precisions: ["fp16/fp16"]
        variants:
          full: {}
          lora-r8:
            lora: { rank: 8, alpha: 16, rollout: unmerged }
            lr: 1.0e-3
        extra_cells: ["pg-seq-is bf16/bf16 lora-r8"]
        """;

    private static ExperimentGrid Parse(string yaml, FakeRunSpecSource? specs = null) =>
        ExperimentGridLoader.Parse(yaml, "grid.yaml", specs ?? new FakeRunSpecSource());

    [Fact]
    public void One_grid_holds_full_fine_tuning_and_lora_in_fp16_and_bf16_with_labelled_cells()
    {
        var baseSpec = new FakeRunSpecSource().Spec with { Lora = new Precision.Orleans.RL.Spec.LoraSpec { Rank = 2 } };
        var specs = new FakeRunSpecSource(baseSpec);
        var cells = Parse(LoraGrid, specs).Expand(specs.Validate);

        Assert.Equal(["full-pg-seq-is-fp16-fp16", "lora-r8-pg-seq-is-fp16-fp16", "lora-r8-pg-seq-is-bf16-bf16"], cells.Select(c => c.Name));
        Assert.Equal(["full", "lora-r8", "lora-r8"], cells.Select(c => c.Variant));
        // "full" removes the base's lora section and keeps its learning rate; the LoRA variant sets both.
        Assert.Null(cells[0].Spec.Lora);
        Assert.Equal(baseSpec.Optimizer.LearningRate, cells[0].Spec.Optimizer.LearningRate);
        var lora = cells[1].Spec.Lora!;
        Assert.Equal((8, 16.0, "unmerged"), (lora.Rank, lora.Alpha, lora.Rollout));
        Assert.Equal(1e-3f, cells[1].Spec.Optimizer.LearningRate);
        Assert.Equal((DType.Bf16, DType.Bf16), (cells[2].Spec.Precision.Train, cells[2].Spec.Precision.Rollout));
        Assert.Equal(lora, cells[2].Spec.Lora);
        Assert.Equal(cells[2].Name, cells[2].Spec.Name);
    }

    [Fact]
    public void Without_variants_extra_cells_keep_the_base_spec_and_names()
    {
        var cells = Parse("base: {model: m}\nalgorithms: [grpo]\nprecisions: [bf16/bf16]\nextra_cells: [\"grpo fp16/fp16\"]").Expand();
        Assert.Equal(["grpo-bf16-bf16", "grpo-fp16-fp16"], cells.Select(c => c.Name));
        Assert.All(cells, c => Assert.Null(c.Variant));
    }

    [Theory]
    [InlineData("variants: [full]", "'variants' must be a mapping")]
    [InlineData("variants:\n  lora: { lora: { rank: 8 }, learning_rate: 1 }", "variants.lora: unknown key 'learning_rate'; allowed: lora, lr")]
    [InlineData("variants:\n  lora: { lr: -1 }", "variants.lora.lr: must be a positive number")]
    [InlineData("variants:\n  lora: { lora: 8 }", "variants.lora.lora: must be a lora section")]
    [InlineData("variants:\n  lora: { lora: { rnk: 8 } }", "variants.lora.lora.rnk: unknown key; allowed keys of 'variants.lora.lora': rank, alpha, target_modules, rollout")]
    [InlineData("variants:\n  \"a b\": {}", "use letters, digits")]
    [InlineData("variants:\n  full: {}\nextra_cells: [\"grpo fp16/fp16 lora\"]", "extra cell names variant 'lora', which is not in 'variants' (full)")]
    [InlineData("variants:\n  full: {}\nalgorithms: [grpo]\nprecisions: [fp16/fp16]\nextra_cells: [\"grpo fp16/fp16 full\"]", "'grpo fp16/fp16 full' is listed twice in 'variants × algorithms × precisions + extra_cells'")]
    [InlineData("extra_cells: [\"grpo fp16/fp16 lora extra\"]", "must be \"algorithm train/rollout\" or \"algorithm train/rollout variant\"")]
    public void Bad_variants_are_refused_naming_the_key(string tail, string expected)
    {
        var e = Record.Exception(() => Parse("base: {model: m}\n" + tail).Expand());
        Assert.NotNull(e);
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void The_example_lora_grid_holds_full_fine_tuning_and_lora_in_fp16_and_bf16()
    {
        string dir = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(dir, "Precision.Orleans.sln"))) dir = Path.GetDirectoryName(dir) ?? throw new InvalidOperationException("repository root not found");
        var specs = new FakeRunSpecSource();
        var cells = ExperimentGridLoader.Load(Path.Combine(dir, "examples", "lora-grid.yaml"), specs).Expand(specs.Validate);
        Assert.Equal(["full-pg-seq-is-fp16-fp16", "lora-r4-pg-seq-is-fp16-fp16", "lora-r4-pg-seq-is-bf16-bf16"], cells.Select(c => c.Name));
        Assert.Null(cells[0].Spec.Lora);
        Assert.All(cells.Skip(1), c => Assert.Equal((4, 8.0, 7), (c.Spec.Lora!.Rank, c.Spec.Lora.Alpha, c.Spec.Lora.TargetModules.Count)));
        Assert.All(cells.Skip(1), c => Assert.Equal(1e-3f, c.Spec.Optimizer.LearningRate));
    }

    [Fact]
    public void A_cell_whose_lora_section_is_invalid_is_refused_by_run_spec_validation_naming_the_cell()
    {
        using var run = new Training.TinyRun();
        string grid = Path.Combine(run.Root, "grid.yaml");
        File.WriteAllText(grid, "base:\n  model: model\n  data: {problems: problems.jsonl}\nalgorithms: [pg-seq-is]\nprecisions: [fp16/fp16]\n" +
                                "variants:\n  lora-bad: { lora: { rank: 4, target_modules: [lm_head] } }\n");
        var g = ExperimentGridLoader.Load(grid, RunSpecFiles.Source);
        var e = Assert.Throws<ArgumentException>(() => g.Expand(RunSpecFiles.Source.Validate));
        Assert.Contains("cell 'lora-bad-pg-seq-is-fp16-fp16'", e.Message);
        Assert.Contains("lora.target_modules", e.Message);
        Assert.Contains("unknown module 'lm_head'", e.Message);
    }
}

public sealed class LoraReportTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("lora-report").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    [Fact]
    public void The_report_labels_full_and_lora_cells_and_tables_their_optimizer_state_from_the_runs_footprints()
    {
        var grid = new ExperimentGrid
        {
            Base = new Precision.Orleans.RL.Spec.RunSpec { Model = "m", Schedule = new Precision.Orleans.RL.Spec.ScheduleSpec { Iterations = 3 } },
            Algorithms = ["pg-seq-is"],
            Precisions = [PrecisionPair.Parse("fp16/fp16")],
            Variants = [new GridVariant("full", null, null), new GridVariant("lora-r4", new Precision.Orleans.RL.Spec.LoraSpec { Rank = 4, Alpha = 8 }, 1e-3f)],
        }.Expand();
        foreach (var (cell, i) in cells(grid))
        {
            string dir = Path.Combine(_dir, cell.Name);
            SyntheticMetrics.Write(dir, new[] { 0.5, 0.6, 0.7 }.Select((a, s) => SyntheticMetrics.Row(s + 1, a + i / 10.0, "pg-seq-is", "fp16", "fp16", 1.0, 0.01, 1000)));
            var footprint = cell.Spec.Lora is null
                ? new Precision.Orleans.RL.Training.OptimizerFootprint(1000, 8000, 1000, 8000, null)
                : new Precision.Orleans.RL.Training.OptimizerFootprint(48, 384, 1000, 8000, 4);
            File.WriteAllText(Path.Combine(dir, Precision.Orleans.RL.Training.OptimizerFootprint.FileName), footprint.ToJson());
        }
        var files = Client.Experiments.ExperimentReport.Write(_dir, new ExperimentRunner(_dir).Assess(grid), "lora-grid.yaml");
        string html = System.Net.WebUtility.HtmlDecode(File.ReadAllText(files.Html));
        Assert.Contains("Optimizer state: LoRA against full fine-tuning", html);
        Assert.Contains("LoRA r=4 alpha=8", html);
        Assert.Contains("384 B", html);
        Assert.Contains("4.80%", html);
        Assert.All(files.Svgs, svg => Assert.Contains("lora-r4-pg-seq-is-fp16-fp16", File.ReadAllText(svg)));
        Assert.All(files.Svgs, svg => Assert.Contains("full-pg-seq-is-fp16-fp16", File.ReadAllText(svg)));
        string json = File.ReadAllText(files.Json);
        Assert.Contains("\"variant\": \"lora-r4\"", json);
        Assert.Contains("\"optimizer_state_bytes\": 384", json);
        Assert.Contains("\"full_fine_tuning_optimizer_state_bytes\": 8000", json);

        static IEnumerable<(ExperimentCell, int)> cells(IReadOnlyList<ExperimentCell> all) => all.Select((c, i) => (c, i));
    }
}
