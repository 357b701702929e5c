namespace Precision.Orleans.Runtime.Serialization;

/// <summary>Write/read pairs of the fixed-shape value types (see <see cref="GrainCodec"/> for the wire format).</summary>
internal static class PrimitivePlans
{
    public static bool TryFill(CodecPlan plan, Type type)
    {
        (Action<CodecWriter, object?> write, CodecRead read)? pair = Type.GetTypeCode(type) switch
        {
            TypeCode.Boolean => ((w, v) => w.WriteByte((bool)v! ? (byte)1 : (byte)0), ReadBool),
            TypeCode.Byte => ((w, v) => w.WriteByte((byte)v!), static (ref CodecReader r) => r.ReadByte()),
            TypeCode.SByte => ((w, v) => w.WriteByte(unchecked((byte)(sbyte)v!)), static (ref CodecReader r) => unchecked((sbyte)r.ReadByte())),
            TypeCode.Int16 => ((w, v) => w.WriteUInt16(unchecked((ushort)(short)v!)), static (ref CodecReader r) => unchecked((short)r.ReadUInt16())),
            TypeCode.UInt16 => ((w, v) => w.WriteUInt16((ushort)v!), static (ref CodecReader r) => r.ReadUInt16()),
            TypeCode.Char => ((w, v) => w.WriteUInt16((char)v!), static (ref CodecReader r) => (char)r.ReadUInt16()),
            TypeCode.Int32 => ((w, v) => w.WriteVarInt64((int)v!), static (ref CodecReader r) => checked((int)r.ReadVarInt64())),
            TypeCode.UInt32 => ((w, v) => w.WriteVarUInt64((uint)v!), static (ref CodecReader r) => checked((uint)r.ReadVarUInt64())),
            TypeCode.Int64 => ((w, v) => w.WriteVarInt64((long)v!), static (ref CodecReader r) => r.ReadVarInt64()),
            TypeCode.UInt64 => ((w, v) => w.WriteVarUInt64((ulong)v!), static (ref CodecReader r) => r.ReadVarUInt64()),
            TypeCode.Single => ((w, v) => w.WriteSingle((float)v!), static (ref CodecReader r) => r.ReadSingle()),
            TypeCode.Double => ((w, v) => w.WriteDouble((double)v!), static (ref CodecReader r) => r.ReadDouble()),
            TypeCode.Decimal => (WriteDecimal, ReadDecimal),
            TypeCode.DateTime => ((w, v) => w.WriteInt64Fixed(((DateTime)v!).ToBinary()), static (ref CodecReader r) => DateTime.FromBinary(r.ReadInt64Fixed())),
            _ => null,
        };
        if (pair is null)
        {
            if (type == typeof(Half))
            {
                pair = ((w, v) => w.WriteUInt16(BitConverter.HalfToUInt16Bits((Half)v!)), static (ref CodecReader r) => BitConverter.UInt16BitsToHalf(r.ReadUInt16()));
            }
            else if (type == typeof(Guid))
            {
                pair = (WriteGuid, static (ref CodecReader r) => new Guid(r.ReadBytes(16)));
            }
            else if (type == typeof(TimeSpan))
            {
                pair = ((w, v) => w.WriteVarInt64(((TimeSpan)v!).Ticks), static (ref CodecReader r) => new TimeSpan(r.ReadVarInt64()));
            }
            else if (type == typeof(DateTimeOffset))
            {
                pair = (WriteDateTimeOffset, ReadDateTimeOffset);
            }
        }
        if (pair is not { } found)
        {
            return false;
        }
        plan.Write = found.write;
        plan.Read = found.read;
        return true;
    }

    private static object ReadBool(ref CodecReader reader) => reader.ReadByte() switch
    {
        0 => false,
        1 => true,
        var other => throw new GrainCodecException($"Malformed bool byte {other}."),
    };

    private static void WriteDecimal(CodecWriter writer, object? value)
    {
        Span<int> bits = stackalloc int[4];
        decimal.GetBits((decimal)value!, bits);
        foreach (var part in bits)
        {
            writer.WriteVarInt64(part);
        }
    }

    private static object ReadDecimal(ref CodecReader reader)
    {
        Span<int> bits = stackalloc int[4];
        for (var i = 0; i < 4; i++)
        {
            bits[i] = checked((int)reader.ReadVarInt64());
        }
        return new decimal(bits);
    }

    private static void WriteGuid(CodecWriter writer, object? value)
    {
        ((Guid)value!).TryWriteBytes(writer.GetSpan(16));
        writer.Advance(16);
    }

    private static void WriteDateTimeOffset(CodecWriter writer, object? value)
    {
        var dto = (DateTimeOffset)value!;
        writer.WriteInt64Fixed(dto.UtcTicks);
        writer.WriteVarInt64((long)dto.Offset.TotalMinutes);
    }

    private static object ReadDateTimeOffset(ref CodecReader reader)
    {
        var utcTicks = reader.ReadInt64Fixed();
        var offset = TimeSpan.FromMinutes(reader.ReadVarInt64());
        return new DateTimeOffset(utcTicks + offset.Ticks, offset);
    }
}
