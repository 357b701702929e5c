using System.Buffers.Binary;
using System.Text;

namespace Precision.Orleans.Runtime.Serialization;

/// <summary>Growable little-endian output buffer of the codec. Integers are LEB128 varints (zig-zag when signed).</summary>
public sealed class CodecWriter
{
    private byte[] _buffer;
    private int _length;

    public CodecWriter(int initialCapacity = 256) => _buffer = new byte[Math.Max(16, initialCapacity)];

    public int Length => _length;

    /// <summary>Nesting depth of the value being written; bounded to turn reference cycles into a clear error.</summary>
    internal int Depth { get; set; }

    public byte[] ToArray() => _buffer.AsSpan(0, _length).ToArray();

    public Span<byte> GetSpan(int size)
    {
        if (_length + size > _buffer.Length)
        {
            var grown = new byte[Math.Max(_buffer.Length * 2, _length + size)];
            _buffer.AsSpan(0, _length).CopyTo(grown);
            _buffer = grown;
        }
        return _buffer.AsSpan(_length, size);
    }

    public void Advance(int count) => _length += count;

    public void WriteByte(byte value)
    {
        GetSpan(1)[0] = value;
        _length++;
    }

    public void WriteBytes(ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(GetSpan(bytes.Length));
        _length += bytes.Length;
    }

    public void WriteVarUInt64(ulong value)
    {
        var span = GetSpan(10);
        var i = 0;
        while (value >= 0x80)
        {
            span[i++] = (byte)(value | 0x80);
            value >>= 7;
        }
        span[i++] = (byte)value;
        _length += i;
    }

    public void WriteVarInt64(long value) => WriteVarUInt64((ulong)((value << 1) ^ (value >> 63)));

    public void WriteLength(int length) => WriteVarUInt64((ulong)length);

    public void WriteUInt16(ushort value)
    {
        BinaryPrimitives.WriteUInt16LittleEndian(GetSpan(2), value);
        _length += 2;
    }

    public void WriteInt64Fixed(long value)
    {
        BinaryPrimitives.WriteInt64LittleEndian(GetSpan(8), value);
        _length += 8;
    }

    public void WriteSingle(float value)
    {
        BinaryPrimitives.WriteSingleLittleEndian(GetSpan(4), value);
        _length += 4;
    }

    public void WriteDouble(double value)
    {
        BinaryPrimitives.WriteDoubleLittleEndian(GetSpan(8), value);
        _length += 8;
    }

    public void WriteString(string value)
    {
        var count = Encoding.UTF8.GetByteCount(value);
        WriteLength(count);
        Encoding.UTF8.GetBytes(value, GetSpan(count));
        _length += count;
    }
}
