using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using Precision.Orleans.Abstractions;
using Precision.Orleans.Engine.Model;
using Precision.Orleans.Engine.Numerics;

namespace Precision.Orleans.Engine.Checkpoints;

/// <summary>
/// Writes safetensors files from tensors that are slices of one contiguous FP32 buffer (the
/// <see cref="ParameterLayout"/> way), storing them as F32, F16 or BF16 (round-to-nearest-even).
/// Tensors go to the file in list order, contiguous and row-major. 16-bit data is packed through a
/// small fixed chunk, so no copy of the whole model is ever made.
/// </summary>
public static class SafetensorsWriter
{
    private const int ChunkElements = 1 << 16;

    public static void Write(Stream destination, ReadOnlySpan<float> buffer, IReadOnlyList<ParameterInfo> tensors,
        DType storage, IReadOnlyDictionary<string, string> metadata)
    {
        CheckTensors(buffer, tensors);
        var entries = new List<SafetensorsTensor>(tensors.Count);
        long cursor = 0;
        foreach (var p in tensors)
        {
            long bytes = p.Count * storage.BytesPerElement();
            entries.Add(new SafetensorsTensor(p.Name, storage, p.Shape.Select(d => (long)d).ToArray(), cursor, cursor + bytes));
            cursor += bytes;
        }

        byte[] header = SafetensorsHeader.Build(entries, metadata);
        Span<byte> length = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)header.Length);
        destination.Write(length);
        destination.Write(header);
        EncodeData(buffer, tensors, storage, chunk => destination.Write(chunk));
    }

    /// <summary>Lower-case hex SHA-256 of exactly the bytes <see cref="Write"/> puts in the data section.</summary>
    public static string ComputeDataSha256(ReadOnlySpan<float> buffer, IReadOnlyList<ParameterInfo> tensors, DType storage)
    {
        CheckTensors(buffer, tensors);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        EncodeData(buffer, tensors, storage, chunk => hash.AppendData(chunk));
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    /// <summary>Streams the data section: each tensor's values in the storage dtype, little-endian.</summary>
    internal static void EncodeData(ReadOnlySpan<float> buffer, IReadOnlyList<ParameterInfo> tensors, DType storage, ByteChunkSink sink)
    {
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("safetensors writing assumes a little-endian machine");
        ushort[]? packed = storage == DType.Fp32 ? null : ArrayPool<ushort>.Shared.Rent(ChunkElements);
        try
        {
            foreach (var p in tensors)
            {
                var values = buffer.Slice((int)p.Offset, (int)p.Count);
                if (packed is null)
                {
                    // FP32 is already the file's byte layout on a little-endian machine: write it as is.
                    sink(MemoryMarshal.AsBytes(values));
                    continue;
                }
                for (int i = 0; i < values.Length; i += ChunkElements)
                {
                    int n = Math.Min(ChunkElements, values.Length - i);
                    DTypeStorage.Pack(values.Slice(i, n), packed, storage);
                    sink(MemoryMarshal.AsBytes(packed.AsSpan(0, n)));
                }
            }
        }
        finally
        {
            if (packed is not null) ArrayPool<ushort>.Shared.Return(packed);
        }
    }

    private static void CheckTensors(ReadOnlySpan<float> buffer, IReadOnlyList<ParameterInfo> tensors)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var p in tensors)
        {
            if (string.IsNullOrEmpty(p.Name) || p.Name == SafetensorsHeader.MetadataKey)
                throw new ArgumentException($"tensor name '{p.Name}' is not allowed in a safetensors file");
            if (!names.Add(p.Name)) throw new ArgumentException($"tensor '{p.Name}' is listed twice");
            if (p.Shape.Any(d => d < 0)) throw new ArgumentException($"tensor '{p.Name}' has a negative dimension");
            if (p.Offset < 0 || p.Offset + p.Count > buffer.Length)
                throw new ArgumentException($"tensor '{p.Name}' [{p.Offset}, {p.Offset + p.Count}) lies outside the buffer of {buffer.Length} elements");
        }
    }
}
