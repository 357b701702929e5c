namespace Precision.Orleans.Engine.Model;

/// <summary>One named tensor inside the contiguous parameter buffer.</summary>
/// <param name="Name">Hugging Face name, e.g. <c>model.layers.0.self_attn.q_proj.weight</c>.</param>
/// <param name="Shape">Row-major shape; Linear weights are [out, in] as in PyTorch.</param>
/// <param name="Offset">First element in the buffer.</param>
public sealed record ParameterInfo(string Name, int[] Shape, long Offset)
{
    public long Count => Shape.Aggregate(1L, (a, b) => a * b);
}

/// <summary>Offsets of one routed expert's SwiGLU weights: gate/up [moe_intermediate, D], down [D, moe_intermediate].</summary>
public readonly record struct ExpertOffsets(long GateProj, long UpProj, long DownProj);

/// <summary>
/// Offsets of one decoder layer's tensors inside the contiguous parameter buffer. Absent tensors are -1:
/// biases without attention bias, q/k norms outside qwen3, the dense MLP in a sparse (MoE) layer, and the
/// router in a dense one. <see cref="Experts"/> is empty in a dense layer.
/// </summary>
public readonly record struct LayerOffsets(
    long InputNorm,
    long QProj, long QBias,
    long KProj, long KBias,
    long VProj, long VBias,
    long OProj,
    long QNorm, long KNorm,
    long PostAttentionNorm,
    long GateProj, long UpProj, long DownProj,
    long Router, IReadOnlyList<ExpertOffsets> Experts)
{
    public bool IsSparse => Router >= 0;
}

/// <summary>
/// All parameters of a <see cref="ModelConfig"/> laid out in one contiguous allocation (llm.c style):
/// the master weights, their gradients, the optimizer moments and the compute-dtype copy all share
/// this layout, so an optimizer step or a dtype cast is one pass over one array.
/// Bias offsets are -1 when the model has no attention bias.
/// </summary>
public sealed class ParameterLayout
{
    private readonly Dictionary<string, ParameterInfo> _byName;

    public ModelConfig Config { get; }
    public IReadOnlyList<ParameterInfo> Parameters { get; }
    public long TotalCount { get; }
    public long Embedding { get; }
    public IReadOnlyList<LayerOffsets> Layers { get; }
    public long FinalNorm { get; }

    /// <summary>Offset of the LM head [V, D]; equals <see cref="Embedding"/> when embeddings are tied.</summary>
    public long LmHead { get; }

    public ParameterLayout(ModelConfig config)
    {
        Config = config.Validate();
        var list = new List<ParameterInfo>();
        long offset = 0;
        long Add(string name, params int[] shape)
        {
            var p = new ParameterInfo(name, shape, offset);
            list.Add(p);
            offset += p.Count;
            return p.Offset;
        }

        int d = config.HiddenSize, q = config.QDim, kv = config.KvDim, inter = config.IntermediateSize;
        Embedding = Add("model.embed_tokens.weight", config.VocabSize, d);
        var layers = new List<LayerOffsets>();
        for (int l = 0; l < config.NumHiddenLayers; l++)
        {
            string p = $"model.layers.{l}.";
            long inNorm = Add(p + "input_layernorm.weight", d);
            long qw = Add(p + "self_attn.q_proj.weight", q, d);
            long qb = config.AttentionBias ? Add(p + "self_attn.q_proj.bias", q) : -1;
            long kw = Add(p + "self_attn.k_proj.weight", kv, d);
            long kb = config.AttentionBias ? Add(p + "self_attn.k_proj.bias", kv) : -1;
            long vw = Add(p + "self_attn.v_proj.weight", kv, d);
            long vb = config.AttentionBias ? Add(p + "self_attn.v_proj.bias", kv) : -1;
            long ow = Add(p + "self_attn.o_proj.weight", d, q);
            long qNorm = config.HasQkNorm ? Add(p + "self_attn.q_norm.weight", config.HeadDim) : -1;
            long kNorm = config.HasQkNorm ? Add(p + "self_attn.k_norm.weight", config.HeadDim) : -1;
            long postNorm = Add(p + "post_attention_layernorm.weight", d);
            long gate = -1, up = -1, down = -1, router = -1;
            var experts = new List<ExpertOffsets>();
            if (config.IsSparseLayer(l))
            {
                // Experts contiguous after the router, so one expert's three matrices are one span.
                int moe = config.MoeIntermediateSize;
                router = Add(p + "mlp.gate.weight", config.NumExperts, d);
                for (int e = 0; e < config.NumExperts; e++)
                {
                    string ep = $"{p}mlp.experts.{e}.";
                    long eg = Add(ep + "gate_proj.weight", moe, d);
                    long eu = Add(ep + "up_proj.weight", moe, d);
                    long ed = Add(ep + "down_proj.weight", d, moe);
                    experts.Add(new ExpertOffsets(eg, eu, ed));
                }
            }
            else
            {
                gate = Add(p + "mlp.gate_proj.weight", inter, d);
                up = Add(p + "mlp.up_proj.weight", inter, d);
                down = Add(p + "mlp.down_proj.weight", d, inter);
            }
            layers.Add(new LayerOffsets(inNorm, qw, qb, kw, kb, vw, vb, ow, qNorm, kNorm, postNorm, gate, up, down, router, experts));
        }
        Layers = layers;
        FinalNorm = Add("model.norm.weight", d);
        LmHead = config.TieWordEmbeddings ? Embedding : Add("lm_head.weight", config.VocabSize, d);
        Parameters = list;
        TotalCount = offset;
        _byName = list.ToDictionary(p => p.Name);
    }

    public ParameterInfo this[string name] =>
        _byName.TryGetValue(name, out var p) ? p : throw new KeyNotFoundException($"no parameter named '{name}'");

    public bool TryGet(string name, out ParameterInfo info) => _byName.TryGetValue(name, out info!);

    /// <summary>
    /// Fills a buffer with the initialisation HF uses for these models: normal(0, 0.02) for matrices
    /// and embeddings, zeros for biases, ones for norm weights. Deterministic in <paramref name="seed"/>.
    /// </summary>
    public void InitializeRandom(Span<float> buffer, int seed, float std = 0.02f)
    {
        if (buffer.Length != TotalCount) throw new ArgumentException($"buffer has {buffer.Length} elements, layout needs {TotalCount}");
        var rng = new Random(seed);
        foreach (var p in Parameters)
        {
            var span = buffer.Slice((int)p.Offset, (int)p.Count);
            if (p.Name.EndsWith("norm.weight", StringComparison.Ordinal)) span.Fill(1f);
            else if (p.Name.EndsWith(".bias", StringComparison.Ordinal)) span.Clear();
            else
                for (int i = 0; i < span.Length; i++)
                {
                    // Box–Muller: two uniforms to one normal.
                    double u1 = 1.0 - rng.NextDouble(), u2 = rng.NextDouble();
                    span[i] = (float)(std * Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2));
                }
        }
    }
}
