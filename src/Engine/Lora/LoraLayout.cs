using Precision.Orleans.Engine.Model;

namespace Precision.Orleans.Engine.Lora;

/// <summary>
/// Every adapter of a <see cref="LoraConfig"/> on a <see cref="ParameterLayout"/>, laid out in ONE contiguous FP32
/// buffer (lora_A then lora_B per targeted weight, in base-layout order), with PEFT tensor names
/// (<c>base_model.model.&lt;base name without .weight&gt;.lora_A.weight</c>). The master adapters, their gradients
/// and the AdamW moments all share this layout.
/// </summary>
public sealed class LoraLayout
{
    public const string PeftPrefix = "base_model.model.";

    private readonly Dictionary<long, LoraTarget> _byBaseOffset;
    private readonly Dictionary<string, ParameterInfo> _byName;

    public LoraConfig Config { get; }
    public ParameterLayout Base { get; }
    public IReadOnlyList<LoraTarget> Targets { get; }

    /// <summary>All adapter tensors (A and B of every target) in buffer order.</summary>
    public IReadOnlyList<ParameterInfo> Parameters { get; }

    public long TotalCount { get; }

    public LoraLayout(ParameterLayout baseLayout, LoraConfig config)
    {
        ArgumentNullException.ThrowIfNull(baseLayout);
        Config = config.Validate();
        Base = baseLayout;
        var targets = new List<LoraTarget>();
        var parameters = new List<ParameterInfo>();
        long offset = 0;
        int r = config.Rank;
        foreach (var p in baseLayout.Parameters)
        {
            string? module = ModuleOf(p.Name);
            if (module is null || !config.Targets(module)) continue;
            int outF = p.Shape[0], inF = p.Shape[1];
            string stem = PeftPrefix + p.Name[..^".weight".Length];
            var a = new ParameterInfo(stem + ".lora_A.weight", [r, inF], offset);
            offset += a.Count;
            var b = new ParameterInfo(stem + ".lora_B.weight", [outF, r], offset);
            offset += b.Count;
            parameters.Add(a);
            parameters.Add(b);
            targets.Add(new LoraTarget(p.Name, module, p.Offset, outF, inF, a, b));
        }
        if (targets.Count == 0)
            throw new InvalidDataException($"lora: target_modules [{string.Join(", ", config.TargetModules)}] match no weight of this {baseLayout.Config.ModelType} model");
        Targets = targets;
        Parameters = parameters;
        TotalCount = offset;
        _byBaseOffset = targets.ToDictionary(t => t.BaseOffset);
        _byName = parameters.ToDictionary(p => p.Name, StringComparer.Ordinal);
    }

    /// <summary>The adapter of the base weight at <paramref name="baseOffset"/>, if that weight is targeted.</summary>
    public bool TryGetTarget(long baseOffset, out LoraTarget target) => _byBaseOffset.TryGetValue(baseOffset, out target!);

    public bool TryGet(string name, out ParameterInfo info) => _byName.TryGetValue(name, out info!);

    /// <summary>
    /// PEFT's initialisation: A ~ kaiming_uniform(a=√5), which is U(−1/√in, 1/√in), and B = 0, so a fresh adapter
    /// leaves the model exactly as it was. Deterministic in <paramref name="seed"/>.
    /// </summary>
    public void InitializePeft(Span<float> buffer, int seed)
    {
        if (buffer.Length != TotalCount) throw new ArgumentException($"adapter buffer has {buffer.Length} elements, the LoRA layout needs {TotalCount}");
        var rng = new Random(seed);
        foreach (var t in Targets)
        {
            float bound = 1f / MathF.Sqrt(t.InFeatures);
            var a = buffer.Slice((int)t.A.Offset, (int)t.A.Count);
            for (int i = 0; i < a.Length; i++) a[i] = (float)((2 * rng.NextDouble() - 1) * bound);
            buffer.Slice((int)t.B.Offset, (int)t.B.Count).Clear();
        }
    }

    /// <summary>"q_proj" for model.layers.0.self_attn.q_proj.weight and for …mlp.experts.3.q_proj…; null for non-linear tensors.</summary>
    private static string? ModuleOf(string baseName)
    {
        if (!baseName.EndsWith(".weight", StringComparison.Ordinal)) return null;
        string stem = baseName[..^".weight".Length];
        int dot = stem.LastIndexOf('.');
        string module = dot < 0 ? stem : stem[(dot + 1)..];
        return LoraConfig.KnownModules.Contains(module, StringComparer.Ordinal) ? module : null;
    }
}
