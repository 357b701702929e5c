using Precision.Orleans.Abstractions;
using Precision.Orleans.Engine.Model;
using Precision.Orleans.Engine.Rollout;

namespace Precision.Orleans.Engine.Experts;

/// <summary>
/// The experts one owner holds, in every sparse layer, stored in the rollout dtype exactly as the rollout engine
/// stores them (gate and up merged into one [2·moe_intermediate, D] weight, down [D, moe_intermediate]). Loaded
/// from its slice of the FP32 master weights (<see cref="MasterSlice"/>) at a weight version. Thread-safe: calls
/// run one at a time.
/// </summary>
public sealed class ExpertSet : IExpertExecutor
{
    private readonly object _gate = new();
    private readonly Backends.IKernelSet _kernels;
    private readonly Dictionary<int, int> _localIndex = [];
    private readonly StoredMatrix[][] _gateUp; // [moe layer][local expert]
    private readonly StoredMatrix[][] _down;
    private float[] _gateUpScratch = [];
    private float[] _activationScratch = [];

    public ExpertSet(ModelConfig config, DType dtype, IReadOnlyList<int> experts, Backends.IKernelSet? kernels = null)
    {
        Config = config.Validate();
        if (!config.IsMoe) throw new ArgumentException("expert set: the model has no experts (not qwen3_moe)", nameof(config));
        if (experts.Count == 0) throw new ArgumentException("expert set: holds no experts", nameof(experts));
        for (int i = 0; i < experts.Count; i++)
        {
            if (experts[i] < 0 || experts[i] >= config.NumExperts)
                throw new ArgumentOutOfRangeException(nameof(experts), experts[i], $"expert set: expert ids must be in [0, {config.NumExperts})");
            if (!_localIndex.TryAdd(experts[i], i)) throw new ArgumentException($"expert set: expert {experts[i]} listed twice", nameof(experts));
        }
        Experts = [.. experts];
        DType = dtype;
        _kernels = kernels ?? Backends.CpuKernelSet.Instance;
        int sparse = SparseLayers(config).Count, d = config.HiddenSize, inter = config.MoeIntermediateSize;
        _gateUp = [.. Enumerable.Range(0, sparse).Select(_ => experts.Select(_ => new StoredMatrix(dtype, 2 * inter, d)).ToArray())];
        _down = [.. Enumerable.Range(0, sparse).Select(_ => experts.Select(_ => new StoredMatrix(dtype, d, inter)).ToArray())];
    }

    public ModelConfig Config { get; }
    public DType DType { get; }

    /// <summary>The experts held, in the order of <see cref="MasterSlice"/>.</summary>
    public IReadOnlyList<int> Experts { get; }

    /// <summary>Version of the loaded weights; -1 before the first load.</summary>
    public long WeightVersion { get; private set; } = -1;

    /// <summary>Floats in the master slice of <paramref name="expertCount"/> experts: gate, up and down per sparse layer.</summary>
    public static long SliceLength(ModelConfig config, int expertCount) =>
        (long)SparseLayers(config).Count * expertCount * 3L * config.MoeIntermediateSize * config.HiddenSize;

    /// <summary>
    /// The FP32 master values of <paramref name="experts"/> (sparse layers ascending, then the listed experts in
    /// order, each gate_proj, up_proj, down_proj): what crosses the wire to an expert owner at a weight version.
    /// </summary>
    public static float[] MasterSlice(ParameterLayout layout, ReadOnlySpan<float> master, IReadOnlyList<int> experts)
    {
        var c = layout.Config;
        long matrix = (long)c.MoeIntermediateSize * c.HiddenSize;
        var slice = new float[SliceLength(c, experts.Count)];
        long at = 0;
        foreach (int layer in SparseLayers(c))
            foreach (int e in experts)
            {
                var x = layout.Layers[layer].Experts[e];
                foreach (long offset in (ReadOnlySpan<long>)[x.GateProj, x.UpProj, x.DownProj])
                {
                    master.Slice((int)offset, (int)matrix).CopyTo(slice.AsSpan((int)at));
                    at += matrix;
                }
            }
        return slice;
    }

    /// <summary>Rounds this set's master slice (<see cref="MasterSlice"/> of <see cref="Experts"/>) to the dtype as version <paramref name="version"/>.</summary>
    public void Load(ReadOnlySpan<float> slice, long version)
    {
        if (slice.Length != SliceLength(Config, Experts.Count))
            throw new ArgumentException($"expert set: slice has {slice.Length} floats, {Experts.Count} experts need {SliceLength(Config, Experts.Count)}", nameof(slice));
        if (version < 0) throw new ArgumentOutOfRangeException(nameof(version), version, "expert set: weight version must be >= 0");
        int matrix = Config.MoeIntermediateSize * Config.HiddenSize, at = 0;
        lock (_gate)
        {
            for (int l = 0; l < _gateUp.Length; l++)
                for (int i = 0; i < Experts.Count; i++)
                {
                    _gateUp[l][i].SetRows(0, slice.Slice(at, matrix));
                    _gateUp[l][i].SetRows(Config.MoeIntermediateSize, slice.Slice(at + matrix, matrix));
                    _down[l][i].SetRows(0, slice.Slice(at + 2 * matrix, matrix));
                    at += 3 * matrix;
                }
            WeightVersion = version;
        }
    }

    public void RunExperts(int moeLayer, ReadOnlySpan<int> experts, ReadOnlySpan<int> rowStart, ReadOnlySpan<float> inputs, Span<float> outputs)
    {
        int d = Config.HiddenSize, inter = Config.MoeIntermediateSize;
        if ((uint)moeLayer >= (uint)_gateUp.Length) throw new ArgumentOutOfRangeException(nameof(moeLayer), moeLayer, $"expert set: the model has {_gateUp.Length} sparse layers");
        if (rowStart.Length != experts.Length + 1) throw new ArgumentException("expert set: rowStart needs one entry per expert plus the end", nameof(rowStart));
        if (inputs.Length < rowStart[^1] * d || outputs.Length < rowStart[^1] * d) throw new ArgumentException("expert set: inputs or outputs shorter than the rows");
        lock (_gate)
        {
            if (WeightVersion < 0) throw new InvalidOperationException("expert set: no weights loaded");
            for (int i = 0; i < experts.Length; i++)
            {
                if (!_localIndex.TryGetValue(experts[i], out int local))
                    throw new ArgumentException($"expert set: expert {experts[i]} is not held here (holds {string.Join(",", Experts)})", nameof(experts));
                int first = rowStart[i], n = rowStart[i + 1] - first;
                if (n <= 0) continue;
                if (_activationScratch.Length < n * inter)
                {
                    _gateUpScratch = new float[n * 2 * inter];
                    _activationScratch = new float[n * inter];
                }
                ExpertMlp.Forward(_kernels, _gateUp[moeLayer][local], _down[moeLayer][local], inputs.Slice(first * d, n * d), outputs.Slice(first * d, n * d), n,
                    DType, _gateUpScratch, _activationScratch);
            }
        }
    }

    /// <summary>The sparse (MoE) layers' indices, ascending: moe layer i is model layer SparseLayers[i].</summary>
    internal static List<int> SparseLayers(ModelConfig c) => [.. Enumerable.Range(0, c.NumHiddenLayers).Where(c.IsSparseLayer)];
}
