using System.IO.MemoryMappedFiles;
using System.Numerics;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using Precision.Orleans.Abstractions;
using Precision.Orleans.Engine.Numerics;

namespace Precision.Orleans.Engine.Checkpoints;

/// <summary>
/// Reads tensors of a validated <see cref="SafetensorsFile"/> through a memory map, one bounded view at a time:
/// each view is mapped, decoded into the caller's FP32 buffer and unmapped before the next, so the file's pages
/// count in the resident set only while their chunk is being converted and peak RSS stays near the converted
/// weights rather than weights plus file.
/// </summary>
internal sealed unsafe class SafetensorsMappedReader : IDisposable
{
    private readonly SafetensorsFile _file;
    private readonly MemoryMappedFile? _map;
    private readonly long _chunkBytes;

    public SafetensorsMappedReader(SafetensorsFile file, long chunkBytes)
    {
        if (chunkBytes < 4) throw new ArgumentOutOfRangeException(nameof(chunkBytes), chunkBytes, "a view must hold at least one element");
        _file = file;
        _chunkBytes = chunkBytes;
        // An empty data section cannot be mapped (capacity 0 means "the file's size", which is then only the header).
        if (file.DataLength > 0)
            _map = MemoryMappedFile.CreateFromFile(file.Path, FileMode.Open, null, 0, MemoryMappedFileAccess.Read);
    }

    /// <summary>
    /// Decodes <paramref name="tensor"/> into <paramref name="destination"/> (FP32), hashing the raw bytes and
    /// calling <paramref name="onChunk"/> on each decoded chunk (the dtype conversion and range counting).
    /// </summary>
    public void Read(SafetensorsTensor tensor, Span<float> destination, IncrementalHash? hash, SpanAction? onChunk)
    {
        var own = Own(tensor);
        if (destination.Length != own.ElementCount)
            throw new ArgumentException($"tensor '{own.Name}' has {own.ElementCount} elements, destination has {destination.Length}", nameof(destination));
        ReadRange(own, 0, destination, hash, onChunk);
    }

    /// <summary>
    /// Streams a tensor of any size through <paramref name="scratch"/>: each chunk is decoded there and handed to
    /// <paramref name="onChunk"/> (inspecting a model without holding its weights).
    /// </summary>
    public void Scan(SafetensorsTensor tensor, Span<float> scratch, IncrementalHash? hash, SpanAction onChunk)
    {
        var own = Own(tensor);
        if (scratch.IsEmpty) throw new ArgumentException("scratch buffer is empty", nameof(scratch));
        for (long i = 0; i < own.ElementCount; i += scratch.Length)
            ReadRange(own, i, scratch[..(int)Math.Min(scratch.Length, own.ElementCount - i)], hash, onChunk);
    }

    private SafetensorsTensor Own(SafetensorsTensor tensor) =>
        // Offsets come from this file's header, never from the caller.
        _file.TryGetTensor(tensor.Name, out var own) ? own
            : throw new ArgumentException($"safetensors file '{_file.Path}' has no tensor '{tensor.Name}'", nameof(tensor));

    /// <summary>Elements [first, first + destination.Length) of the tensor, one bounded view at a time.</summary>
    private void ReadRange(SafetensorsTensor own, long first, Span<float> destination, IncrementalHash? hash, SpanAction? onChunk)
    {
        int bytesPerElement = own.DType.BytesPerElement();
        long perChunk = Math.Max(1, _chunkBytes / bytesPerElement);
        for (long i = 0; i < destination.Length; i += perChunk)
        {
            int n = (int)Math.Min(perChunk, destination.Length - i);
            int byteCount = n * bytesPerElement;
            long position = _file.DataStart + own.Begin + (first + i) * bytesPerElement;
            var target = destination.Slice((int)i, n);
            using (var view = _map!.CreateViewAccessor(position, byteCount, MemoryMappedFileAccess.Read))
            {
                byte* pointer = null;
                var handle = view.SafeMemoryMappedViewHandle;
                handle.AcquirePointer(ref pointer);
                try
                {
                    var bytes = new ReadOnlySpan<byte>(pointer + view.PointerOffset, byteCount);
                    hash?.AppendData(bytes);
                    Decode(bytes, target, own.DType);
                }
                finally
                {
                    handle.ReleasePointer();
                }
            }
            onChunk?.Invoke(target);
        }
    }

    private static void Decode(ReadOnlySpan<byte> bytes, Span<float> destination, DType dtype)
    {
        if (dtype == DType.Fp32) bytes.CopyTo(MemoryMarshal.AsBytes(destination));
        else if (dtype == DType.Bf16) DecodeBf16(MemoryMarshal.Cast<byte, ushort>(bytes), destination);
        else DTypeStorage.Unpack(MemoryMarshal.Cast<byte, ushort>(bytes), destination, dtype);
    }

    /// <summary>BF16 is the top half of an FP32: widen and shift, a vector at a time (the common on-disk dtype of published models).</summary>
    internal static void DecodeBf16(ReadOnlySpan<ushort> source, Span<float> destination)
    {
        var bits = MemoryMarshal.Cast<float, uint>(destination);
        int i = 0;
        if (Vector.IsHardwareAccelerated)
            for (; i <= source.Length - Vector<ushort>.Count; i += Vector<ushort>.Count)
            {
                Vector.Widen(new Vector<ushort>(source.Slice(i, Vector<ushort>.Count)), out var low, out var high);
                (low << 16).CopyTo(bits.Slice(i, Vector<uint>.Count));
                (high << 16).CopyTo(bits.Slice(i + Vector<uint>.Count, Vector<uint>.Count));
            }
        for (; i < source.Length; i++) bits[i] = (uint)source[i] << 16;
    }

    public void Dispose() => _map?.Dispose();

    public delegate void SpanAction(Span<float> values);
}
