using Precision.Orleans.Abstractions;
using Precision.Orleans.Engine.Model;
using Precision.Orleans.Engine.Numerics;

namespace Precision.Orleans.Engine.Experts;

/// <summary>
/// The experts one owner holds for training, in every sparse layer: compute-dtype weights (gate_proj, up_proj
/// [moe_intermediate, D], down_proj [D, moe_intermediate]), FP32 weight gradients, and the last forward's activations
/// per sparse layer. Runs exactly the engine's per-expert ops (LinearForward, SwiGLU, LinearForward; and their
/// backward, down then up then gate) on the engine's kernel set. Thread-safe: calls run one at a time.
/// </summary>
public sealed class TrainingExpertSet : ITrainingExpertExecutor
{
    private readonly object _gate = new();
    private readonly Backends.IKernelSet _kernels;
    private readonly Dictionary<int, int> _localIndex = [];
    private readonly float[][][] _weights;   // [moe layer][local expert] gate|up|down, each moe·D
    private readonly float[][][] _gradients; // same shape, FP32
    private readonly LayerStash?[] _stash;
    private float[] _dHidden = [], _dGate = [], _dUp = [];

    public TrainingExpertSet(ModelConfig config, DType dtype, IReadOnlyList<int> experts, Backends.IKernelSet? kernels = null)
    {
        Config = config.Validate();
        if (!config.IsMoe) throw new ArgumentException("training expert set: the model has no experts (not qwen3_moe)", nameof(config));
        if (experts.Count == 0) throw new ArgumentException("training expert set: holds no experts", nameof(experts));
        for (int i = 0; i < experts.Count; i++)
        {
            if (experts[i] < 0 || experts[i] >= config.NumExperts)
                throw new ArgumentOutOfRangeException(nameof(experts), experts[i], $"training expert set: expert ids must be in [0, {config.NumExperts})");
            if (!_localIndex.TryAdd(experts[i], i)) throw new ArgumentException($"training expert set: expert {experts[i]} listed twice", nameof(experts));
        }
        Experts = [.. experts];
        DType = dtype;
        _kernels = kernels ?? Backends.CpuKernelSet.Instance;
        int sparse = ExpertSet.SparseLayers(config).Count, matrix = 3 * config.MoeIntermediateSize * config.HiddenSize;
        _weights = [.. Enumerable.Range(0, sparse).Select(_ => experts.Select(_ => new float[matrix]).ToArray())];
        _gradients = [.. Enumerable.Range(0, sparse).Select(_ => experts.Select(_ => new float[matrix]).ToArray())];
        _stash = new LayerStash?[sparse];
    }

    public ModelConfig Config { get; }
    public DType DType { get; }
    public IReadOnlyList<int> Experts { get; }

    /// <summary>Version of the loaded weights; -1 before the first load.</summary>
    public long WeightVersion { get; private set; } = -1;

    public void LoadWeights(ParameterLayout layout, ReadOnlySpan<float> master, long version) =>
        Load(ExpertSet.MasterSlice(layout, master, Experts), version);

    /// <summary>Rounds this set's master slice (<see cref="ExpertSet.MasterSlice"/> of <see cref="Experts"/>) to the dtype.</summary>
    public void Load(ReadOnlySpan<float> slice, long version)
    {
        if (slice.Length != ExpertSet.SliceLength(Config, Experts.Count))
            throw new ArgumentException($"training expert set: slice has {slice.Length} floats, {Experts.Count} experts need {ExpertSet.SliceLength(Config, Experts.Count)}", nameof(slice));
        if (version < 0) throw new ArgumentOutOfRangeException(nameof(version), version, "training expert set: weight version must be >= 0");
        int matrix = 3 * Config.MoeIntermediateSize * Config.HiddenSize, at = 0;
        lock (_gate)
        {
            foreach (var layer in _weights)
                foreach (var w in layer)
                {
                    DTypeRounding.RoundCopy(slice.Slice(at, matrix), w, DType);
                    at += matrix;
                }
            WeightVersion = version;
        }
    }

    public void Forward(int moeLayer, ReadOnlySpan<int> experts, ReadOnlySpan<int> rowStart, ReadOnlySpan<float> inputs, Span<float> outputs)
    {
        int d = Config.HiddenSize, moe = Config.MoeIntermediateSize, m = moe * d, rows = CheckCall(moeLayer, experts, rowStart, inputs.Length, outputs.Length);
        lock (_gate)
        {
            if (WeightVersion < 0) throw new InvalidOperationException("training expert set: no weights loaded");
            var s = _stash[moeLayer];
            if (s is null || s.Input.Length < rows * d) _stash[moeLayer] = s = new LayerStash(rows, d, moe);
            s.Experts = experts.ToArray();
            s.RowStart = rowStart.ToArray();
            inputs[..(rows * d)].CopyTo(s.Input);
            for (int i = 0; i < experts.Length; i++)
            {
                int start = rowStart[i], count = rowStart[i + 1] - start;
                var w = _weights[moeLayer][Local(experts[i])];
                var input = s.Input.AsSpan(start * d, count * d);
                var gate = s.Gate.AsSpan(start * moe, count * moe);
                var up = s.Up.AsSpan(start * moe, count * moe);
                var hidden = s.Hidden.AsSpan(start * moe, count * moe);
                _kernels.LinearForward(input, w.AsSpan(0, m), [], gate, count, moe, d, DType);
                _kernels.LinearForward(input, w.AsSpan(m, m), [], up, count, moe, d, DType);
                _kernels.SwiGluForward(gate, up, s.Activated.AsSpan(start * moe, count * moe), hidden, DType);
                _kernels.LinearForward(hidden, w.AsSpan(2 * m, m), [], outputs.Slice(start * d, count * d), count, d, moe, DType);
            }
        }
    }

    public void ZeroGradients()
    {
        lock (_gate)
            foreach (var layer in _gradients)
                foreach (var g in layer) Array.Clear(g);
    }

    public void Backward(int moeLayer, ReadOnlySpan<int> experts, ReadOnlySpan<int> rowStart, ReadOnlySpan<float> dOutputs, Span<float> dInputs)
    {
        int d = Config.HiddenSize, moe = Config.MoeIntermediateSize, m = moe * d, rows = CheckCall(moeLayer, experts, rowStart, dOutputs.Length, dInputs.Length);
        lock (_gate)
        {
            var s = _stash[moeLayer];
            if (s is null || !experts.SequenceEqual(s.Experts) || !rowStart.SequenceEqual(s.RowStart))
                throw new InvalidOperationException($"training expert set: backward of sparse layer {moeLayer} does not match its last forward");
            if (_dHidden.Length < rows * moe)
            {
                _dHidden = new float[rows * moe];
                _dGate = new float[rows * moe];
                _dUp = new float[rows * moe];
            }
            for (int i = 0; i < experts.Length; i++)
            {
                int start = rowStart[i], count = rowStart[i + 1] - start, local = Local(experts[i]);
                var w = _weights[moeLayer][local];
                var g = _gradients[moeLayer][local];
                var input = s.Input.AsSpan(start * d, count * d);
                var dHidden = _dHidden.AsSpan(start * moe, count * moe);
                var dGate = _dGate.AsSpan(start * moe, count * moe);
                var dUp = _dUp.AsSpan(start * moe, count * moe);
                var dInput = dInputs.Slice(start * d, count * d);
                _kernels.LinearBackward(dOutputs.Slice(start * d, count * d), s.Hidden.AsSpan(start * moe, count * moe), w.AsSpan(2 * m, m), dHidden,
                    g.AsSpan(2 * m, m), [], count, d, moe, DType, false);
                _kernels.SwiGluBackward(dHidden, s.Gate.AsSpan(start * moe, count * moe), s.Up.AsSpan(start * moe, count * moe),
                    s.Activated.AsSpan(start * moe, count * moe), dGate, dUp, DType);
                _kernels.LinearBackward(dUp, input, w.AsSpan(m, m), dInput, g.AsSpan(m, m), [], count, moe, d, DType, false);
                _kernels.LinearBackward(dGate, input, w.AsSpan(0, m), dInput, g.AsSpan(0, m), [], count, moe, d, DType, true);
            }
        }
    }

    public void WriteGradients(ParameterLayout layout, Span<float> gradients) =>
        ScatterSlice(layout, GradientSlice(), gradients, Experts);

    /// <summary>The held experts' FP32 weight gradients in <see cref="ExpertSet.MasterSlice"/> order (what crosses the wire).</summary>
    public float[] GradientSlice()
    {
        int matrix = 3 * Config.MoeIntermediateSize * Config.HiddenSize, at = 0;
        var slice = new float[ExpertSet.SliceLength(Config, Experts.Count)];
        lock (_gate)
            foreach (var layer in _gradients)
                foreach (var g in layer)
                {
                    g.CopyTo(slice, at);
                    at += matrix;
                }
        return slice;
    }

    /// <summary>Writes a slice in <see cref="ExpertSet.MasterSlice"/> order of <paramref name="experts"/> back to its layout offsets (the inverse of MasterSlice).</summary>
    public static void ScatterSlice(ParameterLayout layout, ReadOnlySpan<float> slice, Span<float> buffer, IReadOnlyList<int> experts)
    {
        var c = layout.Config;
        int matrix = c.MoeIntermediateSize * c.HiddenSize, at = 0;
        if (slice.Length != ExpertSet.SliceLength(c, experts.Count))
            throw new ArgumentException($"expert slice has {slice.Length} floats, {experts.Count} experts need {ExpertSet.SliceLength(c, experts.Count)}", nameof(slice));
        foreach (int layer in ExpertSet.SparseLayers(c))
            foreach (int e in experts)
            {
                var x = layout.Layers[layer].Experts[e];
                foreach (long offset in (ReadOnlySpan<long>)[x.GateProj, x.UpProj, x.DownProj])
                {
                    slice.Slice(at, matrix).CopyTo(buffer.Slice((int)offset, matrix));
                    at += matrix;
                }
            }
    }

    private int Local(int expert) => _localIndex.TryGetValue(expert, out int local)
        ? local
        : throw new ArgumentException($"training expert set: expert {expert} is not held here (holds {string.Join(",", Experts)})", nameof(expert));

    /// <summary>Checks a forward or backward call's layer and row shape; returns the row count.</summary>
    private int CheckCall(int moeLayer, ReadOnlySpan<int> experts, ReadOnlySpan<int> rowStart, int inLength, int outLength)
    {
        if ((uint)moeLayer >= (uint)_weights.Length) throw new ArgumentOutOfRangeException(nameof(moeLayer), moeLayer, $"training expert set: the model has {_weights.Length} sparse layers");
        if (rowStart.Length != experts.Length + 1) throw new ArgumentException("training expert set: rowStart needs one entry per expert plus the end", nameof(rowStart));
        int rows = rowStart[^1];
        if (inLength < rows * Config.HiddenSize || outLength < rows * Config.HiddenSize)
            throw new ArgumentException($"training expert set: row buffers of {inLength} and {outLength} floats are shorter than {rows} rows");
        return rows;
    }

    /// <summary>One sparse layer's forward activations of this owner's rows, kept for the backward.</summary>
    private sealed class LayerStash(int rows, int d, int moe)
    {
        public int[] Experts { get; set; } = [];
        public int[] RowStart { get; set; } = [];
        public float[] Input { get; } = new float[rows * d];
        public float[] Gate { get; } = new float[rows * moe];
        public float[] Up { get; } = new float[rows * moe];
        public float[] Activated { get; } = new float[rows * moe];
        public float[] Hidden { get; } = new float[rows * moe];
    }
}
