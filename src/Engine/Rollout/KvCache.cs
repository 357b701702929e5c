using Precision.Orleans.Abstractions;
using Precision.Orleans.Engine.Numerics;

namespace Precision.Orleans.Engine.Rollout;

/// <summary>
/// Keys and values in the dtype (16-bit bits, or FP32 in FP32 mode), laid out per batch slot as
/// [slot][layer][position][kvDim]. A slot is reused by the next sequence when one finishes; attention
/// only ever reads positions a slot's current sequence has written.
/// </summary>
internal sealed class KvCache
{
    private readonly float[]? _k32, _v32;
    private readonly ushort[]? _k16, _v16;

    public DType DType { get; }
    public int Slots { get; }
    public int Layers { get; }
    public int Capacity { get; }
    public int KvDim { get; }

    public KvCache(DType dtype, int slots, int layers, int capacity, int kvDim)
    {
        long count = (long)slots * layers * capacity * kvDim;
        if (count > Array.MaxLength)
            throw new InvalidOperationException($"rollout: KV cache of {slots} slots × {layers} layers × {capacity} positions × {kvDim} is too large; lower the batch size or max_new_tokens");
        DType = dtype;
        Slots = slots;
        Layers = layers;
        Capacity = capacity;
        KvDim = kvDim;
        if (dtype == DType.Fp32)
        {
            _k32 = new float[count];
            _v32 = new float[count];
        }
        else
        {
            _k16 = new ushort[count];
            _v16 = new ushort[count];
        }
    }

    public bool Fits(DType dtype, int slots, int layers, int capacity, int kvDim) =>
        dtype == DType && slots <= Slots && layers == Layers && capacity <= Capacity && kvDim == KvDim;

    private int RowStart(int slot, int layer, int position) => ((slot * Layers + layer) * Capacity + position) * KvDim;

    /// <summary>Stores one position's k and v (values already rounded to the dtype, so packing is exact).</summary>
    public void Write(int slot, int layer, int position, ReadOnlySpan<float> k, ReadOnlySpan<float> v)
    {
        if ((uint)position >= (uint)Capacity) throw new InvalidOperationException($"rollout: position {position} is past the KV cache capacity {Capacity}");
        int start = RowStart(slot, layer, position);
        if (_k32 is not null)
        {
            k.CopyTo(_k32.AsSpan(start, KvDim));
            v.CopyTo(_v32.AsSpan(start, KvDim));
        }
        else
        {
            DTypeStorage.Pack(k, _k16.AsSpan(start, KvDim), DType);
            DTypeStorage.Pack(v, _v16.AsSpan(start, KvDim), DType);
        }
    }

    /// <summary>FP32 view of the key of one head at one position; uses <paramref name="scratch"/> for 16-bit caches.</summary>
    public ReadOnlySpan<float> Key(int slot, int layer, int position, int headOffset, Span<float> scratch) =>
        Read(_k32, _k16, slot, layer, position, headOffset, scratch);

    public ReadOnlySpan<float> Value(int slot, int layer, int position, int headOffset, Span<float> scratch) =>
        Read(_v32, _v16, slot, layer, position, headOffset, scratch);

    private ReadOnlySpan<float> Read(float[]? f32, ushort[]? bits, int slot, int layer, int position, int headOffset, Span<float> scratch)
    {
        int start = RowStart(slot, layer, position) + headOffset;
        if (f32 is not null) return f32.AsSpan(start, scratch.Length);
        var stored = bits.AsSpan(start, scratch.Length);
        if (DType == DType.Bf16) Bf16Widening.Widen(stored, scratch);
        else DTypeStorage.Unpack(stored, scratch, DType);
        return scratch;
    }
}
