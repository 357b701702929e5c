using Precision.Orleans.Abstractions;
using Precision.Orleans.RL.Algorithms;
using Precision.Orleans.RL.Spec;

namespace Precision.Orleans.RL.Experiments;

/// <summary>
/// An experiment: a base run spec crossed with algorithms × train/rollout dtype pairs (× optional seeds).
/// Loaded from YAML by <see cref="ExperimentGridLoader"/>; <see cref="Expand"/> gives one run per cell.
/// </summary>
public sealed record ExperimentGrid
{
    /// <summary>The paper's sanity-check comparison (§4.2): the unbiased PG against the two GRPO baselines.</summary>
    public static readonly IReadOnlyList<string> DefaultAlgorithms = ["pg-seq-is", "grpo", "grpo-token-tis"];

    /// <summary>FP16 against BF16 on both engines (§4.4's two main rows).</summary>
    public static readonly IReadOnlyList<PrecisionPair> DefaultPrecisions =
        [new(DType.Fp16, DType.Fp16), new(DType.Bf16, DType.Bf16)];

    /// <summary>Every cell starts from this spec; its name, seed, algorithm name and precision are replaced per cell.</summary>
    public RunSpec Base { get; init; } = new();

    /// <summary>Algorithm names (run-spec names). Default <see cref="DefaultAlgorithms"/>.</summary>
    public IReadOnlyList<string> Algorithms { get; init; } = DefaultAlgorithms;

    /// <summary>Train/rollout dtype pairs. Default <see cref="DefaultPrecisions"/>.</summary>
    public IReadOnlyList<PrecisionPair> Precisions { get; init; } = DefaultPrecisions;

    /// <summary>
    /// Single cells beyond the algorithms × precisions product (e.g. one algorithm at a costly dtype pair for the
    /// precision table), each written "algorithm train/rollout" in YAML.
    /// </summary>
    public IReadOnlyList<(string Algorithm, PrecisionPair Precision)> ExtraCells { get; init; } = [];

    /// <summary>
    /// Variants of fine-tuning (full, LoRA, …) crossed with algorithms × precisions; empty = the base spec as is.
    /// An extra cell may name one as a third word ("pg-seq-is bf16/bf16 lora-r8"); see <see cref="ExtraCellVariants"/>.
    /// </summary>
    public IReadOnlyList<GridVariant> Variants { get; init; } = [];

    /// <summary>The variant name of each of <see cref="ExtraCells"/> (same index), null for the base spec as is. Empty = none named.</summary>
    public IReadOnlyList<string?> ExtraCellVariants { get; init; } = [];

    /// <summary>Seeds; empty = one run per cell with the base spec's seed and no seed suffix in the name.</summary>
    public IReadOnlyList<int> Seeds { get; init; } = [];

    /// <summary>
    /// One cell per (variant ×) algorithm × precision (× seed), variant- then algorithm-major, named
    /// <c>[&lt;variant&gt;-]&lt;algorithm&gt;-&lt;train&gt;-&lt;rollout&gt;</c> (+ <c>-s&lt;seed&gt;</c>). <paramref name="validate"/> checks each cell's spec the way a run spec is checked on load
    /// and throws with a message, which is prefixed with the cell name.
    /// </summary>
    public IReadOnlyList<ExperimentCell> Expand(Action<RunSpec>? validate = null)
    {
        if (Algorithms.Count == 0) throw new ArgumentException("experiment grid: 'algorithms' is empty; give at least one of " + string.Join(", ", AlgorithmCatalog.Names));
        if (Precisions.Count == 0) throw new ArgumentException("experiment grid: 'precisions' is empty; give at least one train/rollout pair such as \"fp16/fp16\"");
        foreach (string a in Algorithms.Where(a => !AlgorithmCatalog.Names.Contains(a)))
            throw new ArgumentException($"experiment grid: unknown algorithm '{a}' in 'algorithms'; allowed: {string.Join(", ", AlgorithmCatalog.Names)}");
        foreach (var (a, _) in ExtraCells.Where(c => !AlgorithmCatalog.Names.Contains(c.Algorithm)))
            throw new ArgumentException($"experiment grid: unknown algorithm '{a}' in 'extra_cells'; allowed: {string.Join(", ", AlgorithmCatalog.Names)}");
        ThrowOnDuplicate(Algorithms, "algorithms");
        ThrowOnDuplicate(Precisions.Select(p => p.ToString()).ToList(), "precisions");
        ThrowOnDuplicate(Seeds.Select(s => s.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToList(), "seeds");

        ThrowOnDuplicate(Variants.Select(v => v.Name).ToList(), "variants");
        var variants = Variants.ToDictionary(v => v.Name);
        GridVariant? VariantNamed(string? name) => name is null ? null
            : variants.TryGetValue(name, out var v) ? v
            : throw new ArgumentException($"experiment grid: extra cell names variant '{name}', which is not in 'variants' ({string.Join(", ", variants.Keys.DefaultIfEmpty("none defined"))})");

        var seeds = Seeds.Count == 0 ? [null] : Seeds.Select(s => (int?)s).ToList();
        var productVariants = Variants.Count == 0 ? [null] : Variants.Select(v => (GridVariant?)v).ToList();
        var product = productVariants.SelectMany(v => Algorithms.SelectMany(a => Precisions.Select(p => (Variant: v, Algorithm: a, Precision: p))));
        var extras = ExtraCells.Select((c, i) => (Variant: VariantNamed(i < ExtraCellVariants.Count ? ExtraCellVariants[i] : null), c.Algorithm, c.Precision));
        var triples = product.Concat(extras).ToList();
        ThrowOnDuplicate(triples.Select(c => $"{c.Algorithm} {c.Precision}{(c.Variant is null ? "" : " " + c.Variant.Name)}").ToList(),
            Variants.Count == 0 ? "algorithms × precisions + extra_cells" : "variants × algorithms × precisions + extra_cells");
        var cells = new List<ExperimentCell>();
        foreach (var (variant, algorithm, precision) in triples)
            foreach (int? seed in seeds)
            {
                string name = (variant is null ? "" : variant.Name + "-") + $"{algorithm}-{precision.Slug}" + (seed is { } s ? $"-s{s}" : "");
                var spec = (variant?.Apply(Base) ?? Base) with
                {
                    Name = name,
                    Seed = seed ?? Base.Seed,
                    Algorithm = Base.Algorithm with { Name = algorithm },
                    Precision = new PrecisionSpec { Train = precision.Train, Rollout = precision.Rollout },
                };
                try
                {
                    validate?.Invoke(spec);
                }
                catch (Exception e) when (e is RunSpecException or ArgumentException or FormatException or InvalidOperationException)
                {
                    throw new ArgumentException($"experiment grid: cell '{name}' is not a valid run: {e.Message}", e);
                }
                cells.Add(new ExperimentCell(name, algorithm, precision, seed, spec, variant?.Name));
            }
        return cells;
    }

    /// <summary>The cells named in <paramref name="only"/> (all when empty); an unknown name is an error listing the names.</summary>
    public static IReadOnlyList<ExperimentCell> Select(IReadOnlyList<ExperimentCell> cells, IReadOnlyCollection<string> only)
    {
        if (only.Count == 0) return cells;
        foreach (string n in only.Where(n => cells.All(c => c.Name != n)))
            throw new ArgumentException($"--only: no run named '{n}' in the grid; runs: {string.Join(", ", cells.Select(c => c.Name))}");
        return cells.Where(c => only.Contains(c.Name)).ToList();
    }

    private static void ThrowOnDuplicate(IReadOnlyList<string> values, string key)
    {
        var twice = values.GroupBy(v => v).FirstOrDefault(g => g.Count() > 1);
        if (twice is not null) throw new ArgumentException($"experiment grid: '{twice.Key}' is listed twice in '{key}'");
    }
}
