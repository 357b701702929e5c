using System.Numerics.Tensors;
using Precision.Orleans.Abstractions;
using Precision.Orleans.Engine.Lora;
using Precision.Orleans.Engine.Numerics;

namespace Precision.Orleans.Engine.Rollout;

/// <summary>
/// Unmerged LoRA adapters as an inference server applies them (vLLM punica shrink/expand): A and B stored in the
/// dtype; u = round(scale · x·Aᵀ) with FP32 accumulation (shrink), then y = round(y + u·Bᵀ) into the column slice of
/// the merged linear's output that the adapted module owns (expand with add_inputs).
/// </summary>
internal sealed class RolloutAdapters
{
    /// <summary>One adapter and where its output lands in the merged linear's row.</summary>
    private sealed record Slot(StoredMatrix A, StoredMatrix B, int ColumnOffset);

    private readonly Dictionary<(int Layer, RolloutLinear Linear), List<Slot>> _slots = [];
    private readonly float _scale;
    private readonly int _rank;
    private readonly DType _dtype;
    private float[] _u = [], _t = [];

    public RolloutAdapters(LoraLayout layout, ReadOnlySpan<float> weights, DType dtype)
    {
        var c = layout.Base.Config;
        _scale = layout.Config.Scale;
        _rank = layout.Config.Rank;
        _dtype = dtype;
        foreach (var t in layout.Targets)
        {
            if (t.BaseName.Contains(".experts.", StringComparison.Ordinal))
                throw new NotSupportedException($"rollout: unmerged LoRA on MoE experts ('{t.BaseName}') is not implemented; load the adapter merged");
            int layer = LayerOf(t.BaseName);
            (RolloutLinear linear, int offset) = t.Module switch
            {
                "q_proj" => (RolloutLinear.Qkv, 0),
                "k_proj" => (RolloutLinear.Qkv, c.QDim),
                "v_proj" => (RolloutLinear.Qkv, c.QDim + c.KvDim),
                "o_proj" => (RolloutLinear.OProj, 0),
                "gate_proj" => (RolloutLinear.GateUp, 0),
                "up_proj" => (RolloutLinear.GateUp, c.IntermediateSize),
                "down_proj" => (RolloutLinear.Down, 0),
                _ => throw new InvalidOperationException($"rollout: no merged linear for module '{t.Module}'"),
            };
            var a = new StoredMatrix(dtype, _rank, t.InFeatures);
            a.SetRows(0, weights.Slice((int)t.A.Offset, (int)t.A.Count));
            var b = new StoredMatrix(dtype, t.OutFeatures, _rank);
            b.SetRows(0, weights.Slice((int)t.B.Offset, (int)t.B.Count));
            if (!_slots.TryGetValue((layer, linear), out var list)) _slots[(layer, linear)] = list = [];
            list.Add(new Slot(a, b, offset));
        }
    }

    /// <summary>Adds every adapter of (<paramref name="layer"/>, <paramref name="linear"/>) to y [rows, width] computed from x.</summary>
    public void Apply(int layer, RolloutLinear linear, ReadOnlySpan<float> x, Span<float> y, int rows, int width)
    {
        if (rows == 0 || !_slots.TryGetValue((layer, linear), out var list)) return;
        foreach (var s in list)
        {
            int outF = s.B.Rows;
            var u = Scratch(ref _u, rows * _rank);
            var t = Scratch(ref _t, rows * outF);
            // shrink: FP32 accumulate, scale in FP32, one cast to the dtype (the expand kernel reads dtype inputs)
            s.A.Multiply(x, u, rows, DType.Fp32);
            TensorPrimitives.Multiply(u, _scale, u);
            DTypeRounding.RoundInPlace(u, _dtype);
            // expand: FP32 product added to the dtype output, one rounding
            s.B.Multiply(u, t, rows, DType.Fp32);
            for (int r = 0; r < rows; r++)
            {
                var yr = y.Slice(r * width + s.ColumnOffset, outF);
                TensorPrimitives.Add(yr, t.Slice(r * outF, outF), yr);
                DTypeRounding.RoundInPlace(yr, _dtype);
            }
        }
    }

    private static int LayerOf(string baseName)
    {
        // model.layers.{l}.…
        var parts = baseName.Split('.');
        return parts.Length > 2 && parts[1] == "layers" && int.TryParse(parts[2], out int l)
            ? l
            : throw new InvalidOperationException($"rollout: '{baseName}' is not a decoder-layer weight");
    }

    private static Span<float> Scratch(ref float[] buffer, int count)
    {
        if (buffer.Length < count) buffer = new float[count];
        return buffer.AsSpan(0, count);
    }
}
