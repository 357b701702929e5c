using System.Buffers.Binary;
using System.Text;

namespace Precision.Orleans.Runtime.Serialization;

/// <summary>Cursor over encoded bytes; every read checks bounds and fails with a <see cref="GrainCodecException"/>.</summary>
public ref struct CodecReader(ReadOnlySpan<byte> data)
{
    private readonly ReadOnlySpan<byte> _data = data;
    private int _position;

    public readonly int Remaining => _data.Length - _position;

    public ReadOnlySpan<byte> ReadBytes(int count)
    {
        if (count < 0 || count > Remaining)
        {
            throw new GrainCodecException($"Encoded value is truncated: needed {count} bytes at offset {_position}, {Remaining} left.");
        }
        var slice = _data.Slice(_position, count);
        _position += count;
        return slice;
    }

    public byte ReadByte() => ReadBytes(1)[0];

    public ulong ReadVarUInt64()
    {
        ulong result = 0;
        for (var shift = 0; shift < 70; shift += 7)
        {
            var b = ReadByte();
            result |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                return result;
            }
        }
        throw new GrainCodecException($"Malformed varint before offset {_position}.");
    }

    public long ReadVarInt64()
    {
        var raw = ReadVarUInt64();
        return (long)(raw >> 1) ^ -(long)(raw & 1);
    }

    public int ReadLength()
    {
        var length = ReadVarUInt64();
        if (length > (ulong)Remaining && length > int.MaxValue)
        {
            throw new GrainCodecException($"Malformed length {length} before offset {_position}.");
        }
        return (int)length;
    }

    public ushort ReadUInt16() => BinaryPrimitives.ReadUInt16LittleEndian(ReadBytes(2));

    public long ReadInt64Fixed() => BinaryPrimitives.ReadInt64LittleEndian(ReadBytes(8));

    public float ReadSingle() => BinaryPrimitives.ReadSingleLittleEndian(ReadBytes(4));

    public double ReadDouble() => BinaryPrimitives.ReadDoubleLittleEndian(ReadBytes(8));

    public string ReadString() => Encoding.UTF8.GetString(ReadBytes(ReadLength()));
}
