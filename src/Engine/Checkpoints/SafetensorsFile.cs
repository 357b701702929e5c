using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using Microsoft.Win32.SafeHandles;
using Precision.Orleans.Abstractions;
using Precision.Orleans.Engine.Numerics;

namespace Precision.Orleans.Engine.Checkpoints;

/// <summary>
/// An open safetensors file whose header has been fully validated (see <see cref="Open"/>). Tensor
/// data is read on demand with positioned reads straight into the caller's FP32 buffer (F32) or
/// through a small fixed chunk (F16/BF16): no whole-file copy is made.
/// </summary>
public sealed class SafetensorsFile : IDisposable
{
    private const int ChunkElements = 1 << 16;

    private readonly SafeFileHandle _handle;
    private readonly Dictionary<string, SafetensorsTensor> _byName;

    public string Path { get; }

    /// <summary>File offset of the data section (8 + header length).</summary>
    public long DataStart { get; }

    public long DataLength { get; }

    /// <summary>Tensors in data order; together they cover the data section exactly.</summary>
    public IReadOnlyList<SafetensorsTensor> Tensors { get; }

    /// <summary>The header's <c>__metadata__</c> (empty when absent).</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    private SafetensorsFile(string path, SafeFileHandle handle, long dataStart, long dataLength,
        List<SafetensorsTensor> tensors, Dictionary<string, string> metadata)
    {
        Path = path;
        _handle = handle;
        DataStart = dataStart;
        DataLength = dataLength;
        Tensors = tensors;
        Metadata = metadata;
        _byName = tensors.ToDictionary(t => t.Name, StringComparer.Ordinal);
    }

    /// <summary>
    /// Opens and validates: header length within the file, valid JSON, known dtypes, offsets inside
    /// the data, byte sizes matching shapes, tensors tiling the data with no gap or overlap.
    /// Throws <see cref="FileNotFoundException"/> or <see cref="InvalidDataException"/> naming the file.
    /// </summary>
    public static SafetensorsFile Open(string path)
    {
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("safetensors reading assumes a little-endian machine");
        if (!File.Exists(path)) throw new FileNotFoundException($"safetensors file '{path}' does not exist", path);
        var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        try
        {
            long fileLength = RandomAccess.GetLength(handle);
            if (fileLength < 8)
                throw new InvalidDataException($"safetensors file '{path}': truncated: {fileLength} bytes, shorter than the 8-byte header length");
            Span<byte> lengthBytes = stackalloc byte[8];
            ReadExactly(handle, lengthBytes, 0, path);
            ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(lengthBytes);
            if (headerLength > (ulong)(fileLength - 8))
                throw new InvalidDataException(
                    $"safetensors file '{path}': header length {headerLength} runs beyond the end of the file ({fileLength} bytes): truncated or not a safetensors file");
            if (headerLength > SafetensorsHeader.MaxHeaderBytes)
                throw new InvalidDataException($"safetensors file '{path}': header length {headerLength} exceeds the {SafetensorsHeader.MaxHeaderBytes}-byte limit");

            var json = new byte[headerLength];
            ReadExactly(handle, json, 8, path);
            long dataStart = 8 + (long)headerLength;
            long dataLength = fileLength - dataStart;
            var (tensors, metadata) = SafetensorsHeader.Parse(path, json, dataLength);
            return new SafetensorsFile(path, handle, dataStart, dataLength, tensors, metadata);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    public bool TryGetTensor(string name, out SafetensorsTensor tensor) => _byName.TryGetValue(name, out tensor!);

    public SafetensorsTensor this[string name] =>
        _byName.TryGetValue(name, out var t) ? t : throw new KeyNotFoundException($"safetensors file '{Path}' has no tensor '{name}'");

    /// <summary>
    /// Reads <paramref name="tensor"/> converted to FP32 into <paramref name="destination"/> (exactly
    /// its element count). When <paramref name="hash"/> is given, the raw bytes are appended to it, so
    /// reading every tensor in <see cref="Tensors"/> order hashes the whole data section in one pass.
    /// </summary>
    public void Read(SafetensorsTensor tensor, Span<float> destination, IncrementalHash? hash = null)
    {
        if (!_byName.TryGetValue(tensor.Name, out var own))
            throw new ArgumentException($"safetensors file '{Path}' has no tensor '{tensor.Name}'", nameof(tensor));
        tensor = own; // offsets come from this file's header, never from the caller
        if (destination.Length != tensor.ElementCount)
            throw new ArgumentException($"tensor '{tensor.Name}' has {tensor.ElementCount} elements, destination has {destination.Length}", nameof(destination));

        long position = DataStart + tensor.Begin;
        if (tensor.DType == DType.Fp32)
        {
            // F32 little-endian is FP32's in-memory layout: read straight into the destination.
            var bytes = MemoryMarshal.AsBytes(destination);
            ReadExactly(_handle, bytes, position, Path);
            hash?.AppendData(bytes);
            return;
        }

        ushort[] chunk = ArrayPool<ushort>.Shared.Rent(ChunkElements);
        try
        {
            for (int i = 0; i < destination.Length; i += ChunkElements)
            {
                int n = Math.Min(ChunkElements, destination.Length - i);
                var bytes = MemoryMarshal.AsBytes(chunk.AsSpan(0, n));
                ReadExactly(_handle, bytes, position + 2L * i, Path);
                hash?.AppendData(bytes);
                DTypeStorage.Unpack(chunk.AsSpan(0, n), destination.Slice(i, n), tensor.DType);
            }
        }
        finally
        {
            ArrayPool<ushort>.Shared.Return(chunk);
        }
    }

    /// <summary>Reads a whole tensor into a new array.</summary>
    public float[] Read(SafetensorsTensor tensor)
    {
        var values = new float[tensor.ElementCount];
        Read(tensor, values);
        return values;
    }

    private static void ReadExactly(SafeFileHandle handle, Span<byte> destination, long position, string path)
    {
        while (!destination.IsEmpty)
        {
            int n = RandomAccess.Read(handle, destination, position);
            if (n <= 0) throw new InvalidDataException($"safetensors file '{path}': truncated: unexpected end of file at byte {position}");
            destination = destination[n..];
            position += n;
        }
    }

    public void Dispose() => _handle.Dispose();
}
