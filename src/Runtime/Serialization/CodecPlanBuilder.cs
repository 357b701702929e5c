using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Precision.Orleans.Runtime.Serialization;

/// <summary>Builds the <see cref="CodecPlan"/> graph of one type (see <see cref="GrainCodec"/> for what is supported).</summary>
internal sealed class CodecPlanBuilder(GrainCodec codec, Dictionary<Type, CodecPlan> building)
{
    private static readonly HashSet<Type> BlittableElements =
    [
        typeof(byte), typeof(sbyte), typeof(short), typeof(ushort), typeof(char), typeof(int), typeof(uint),
        typeof(long), typeof(ulong), typeof(float), typeof(double), typeof(Half),
    ];

    private static readonly HashSet<Type> ListShapes =
    [
        typeof(List<>), typeof(IList<>), typeof(IReadOnlyList<>), typeof(ICollection<>),
        typeof(IReadOnlyCollection<>), typeof(IEnumerable<>),
    ];

    private static readonly HashSet<Type> DictionaryShapes =
    [
        typeof(Dictionary<,>), typeof(IDictionary<,>), typeof(IReadOnlyDictionary<,>),
    ];

    /// <summary>Returns the (possibly still being filled) plan of <paramref name="type"/>; <paramref name="path"/> says how the type was reached (e.g. "RunSpec.Steps[]"), for error messages.</summary>
    public CodecPlan Build(Type type, string path)
    {
        if (codec.TryGetBuilt(type, out var plan) || building.TryGetValue(type, out plan))
        {
            return plan;
        }
        plan = new CodecPlan(type);
        building[type] = plan;
        Fill(plan, type, path);
        return plan;
    }

    private void Fill(CodecPlan plan, Type type, string path)
    {
        if (Nullable.GetUnderlyingType(type) is { } underlying)
        {
            var inner = Build(underlying, path);
            SetWithPresence(plan, inner.Write, inner.Read);
            return;
        }
        if (type.IsEnum)
        {
            FillEnum(plan, type);
            return;
        }
        if (PrimitivePlans.TryFill(plan, type))
        {
            return;
        }
        if (type == typeof(string))
        {
            SetWithPresence(plan, (w, v) => w.WriteString((string)v!), static (ref CodecReader r) => r.ReadString());
            return;
        }
        if (type.IsArray)
        {
            FillArray(plan, type, path);
            return;
        }
        if (type.IsGenericType && ListShapes.Contains(type.GetGenericTypeDefinition()))
        {
            var element = type.GetGenericArguments()[0];
            var elementPlan = Build(element, path + "[]");
            var (write, read) = Invoke<(Action<CodecWriter, object?>, CodecRead)>(nameof(ListPlan), [element], elementPlan, false);
            SetWithPresence(plan, write, read);
            return;
        }
        if (type.IsGenericType && DictionaryShapes.Contains(type.GetGenericTypeDefinition()))
        {
            var arguments = type.GetGenericArguments();
            var keyPlan = Build(arguments[0], path + ".Key");
            var valuePlan = Build(arguments[1], path + ".Value");
            var (write, read) = Invoke<(Action<CodecWriter, object?>, CodecRead)>(nameof(DictionaryPlan), arguments, keyPlan, valuePlan);
            SetWithPresence(plan, write, read);
            return;
        }
        ThrowIfUnsupported(type, path);
        FillObject(plan, type, path);
    }

    private static void ThrowIfUnsupported(Type type, string path)
    {
        string? reason = null;
        if (type == typeof(object))
        {
            reason = "'object' has no schema; declare a concrete type";
        }
        else if (type.IsInterface)
        {
            reason = "interfaces are not encodable (only IList/IReadOnlyList/ICollection/IEnumerable/IDictionary shapes)";
        }
        else if (type.IsAbstract)
        {
            reason = "abstract types are not encodable (no polymorphism)";
        }
        else if (typeof(Delegate).IsAssignableFrom(type))
        {
            reason = "delegates are not encodable";
        }
        else if (type.IsPointer || type.IsByRef || type.IsByRefLike || type.ContainsGenericParameters)
        {
            reason = "pointers, by-ref, ref struct and open generic types are not encodable";
        }
        else if (typeof(Task).IsAssignableFrom(type) || typeof(Exception).IsAssignableFrom(type) || typeof(MemberInfo).IsAssignableFrom(type))
        {
            reason = "tasks, exceptions and reflection objects are not encodable";
        }
        else if (type.IsGenericType && type.FullName?.StartsWith("System.ValueTuple", StringComparison.Ordinal) == true)
        {
            reason = "tuples are not encodable; use a record";
        }
        if (reason is not null)
        {
            throw Unsupported(type, path, reason);
        }
    }

    private static GrainCodecException Unsupported(Type type, string path, string reason) =>
        new($"GrainCodec cannot encode type '{type.FullName}' (at {path}): {reason}.", type);

    private static void SetWithPresence(CodecPlan plan, Action<CodecWriter, object?> write, CodecRead read)
    {
        plan.Write = (writer, value) =>
        {
            if (value is null)
            {
                writer.WriteByte(0);
                return;
            }
            writer.WriteByte(1);
            write(writer, value);
        };
        plan.Read = (ref CodecReader reader) => reader.ReadByte() switch
        {
            0 => null,
            1 => read(ref reader),
            var other => throw new GrainCodecException($"Malformed presence byte {other} for {plan.Type.Name}."),
        };
    }

    private static void FillEnum(CodecPlan plan, Type type)
    {
        var unsigned = Type.GetTypeCode(Enum.GetUnderlyingType(type)) is TypeCode.Byte or TypeCode.UInt16 or TypeCode.UInt32 or TypeCode.UInt64;
        if (unsigned)
        {
            plan.Write = (w, v) => w.WriteVarUInt64(Convert.ToUInt64(v, System.Globalization.CultureInfo.InvariantCulture));
            plan.Read = (ref CodecReader r) => Enum.ToObject(type, r.ReadVarUInt64());
        }
        else
        {
            plan.Write = (w, v) => w.WriteVarInt64(Convert.ToInt64(v, System.Globalization.CultureInfo.InvariantCulture));
            plan.Read = (ref CodecReader r) => Enum.ToObject(type, r.ReadVarInt64());
        }
    }

    private void FillArray(CodecPlan plan, Type type, string path)
    {
        var element = type.GetElementType()!;
        if (type != element.MakeArrayType())
        {
            throw Unsupported(type, path, "only one-dimensional, zero-based arrays are encodable");
        }
        (Action<CodecWriter, object?> write, CodecRead read) pair = BlittableElements.Contains(element)
            ? Invoke<(Action<CodecWriter, object?>, CodecRead)>(nameof(BlittableArrayPlan), [element])
            : Invoke<(Action<CodecWriter, object?>, CodecRead)>(nameof(ListPlan), [element], Build(element, path + "[]"), true);
        SetWithPresence(plan, pair.write, pair.read);
    }

    private void FillObject(CodecPlan plan, Type type, string path)
    {
        var shape = ObjectShape.Of(type, path);
        var memberPlans = new CodecPlan[shape.Members.Count];
        for (var i = 0; i < memberPlans.Length; i++)
        {
            var member = shape.Members[i];
            memberPlans[i] = Build(member.PropertyType, $"{path}.{member.Name}");
        }
        void WriteMembers(CodecWriter writer, object? value)
        {
            if (value!.GetType() != type)
            {
                throw new GrainCodecException(
                    $"GrainCodec encodes declared types only: a '{value.GetType().FullName}' was passed where '{type.FullName}' is declared (at {path}).",
                    value.GetType());
            }
            if (++writer.Depth > GrainCodec.MaxDepth)
            {
                throw new GrainCodecException($"Nesting deeper than {GrainCodec.MaxDepth} at '{type.FullName}' ({path}): a reference cycle?", type);
            }
            for (var i = 0; i < memberPlans.Length; i++)
            {
                memberPlans[i].Write(writer, shape.Getters[i](value));
            }
            writer.Depth--;
        }
        object ReadMembers(ref CodecReader reader)
        {
            var values = new object?[memberPlans.Length];
            for (var i = 0; i < values.Length; i++)
            {
                values[i] = memberPlans[i].Read(ref reader);
            }
            return shape.Create(values);
        }
        if (type.IsValueType)
        {
            plan.Write = WriteMembers;
            plan.Read = ReadMembers;
        }
        else
        {
            SetWithPresence(plan, WriteMembers, ReadMembers);
        }
    }

    private static T Invoke<T>(string method, Type[] typeArguments, params object[] args) =>
        (T)typeof(CodecPlanBuilder).GetMethod(method, BindingFlags.NonPublic | BindingFlags.Static)!
            .MakeGenericMethod(typeArguments).Invoke(null, args)!;

    private static (Action<CodecWriter, object?>, CodecRead) BlittableArrayPlan<T>() where T : unmanaged
    {
        static void Write(CodecWriter writer, object? value)
        {
            var array = (T[])value!;
            writer.WriteLength(array.Length);
            writer.WriteBytes(MemoryMarshal.AsBytes(array.AsSpan()));
        }
        static object Read(ref CodecReader reader)
        {
            var count = reader.ReadLength();
            var byteCount = (long)count * Unsafe.SizeOf<T>();
            if (byteCount > reader.Remaining)
            {
                throw new GrainCodecException($"Encoded {typeof(T).Name}[{count}] is truncated: {reader.Remaining} bytes left.");
            }
            var array = new T[count];
            reader.ReadBytes((int)byteCount).CopyTo(MemoryMarshal.AsBytes(array.AsSpan()));
            return array;
        }
        return (Write, Read);
    }

    private static (Action<CodecWriter, object?>, CodecRead) ListPlan<T>(CodecPlan element, bool asArray)
    {
        void Write(CodecWriter writer, object? value)
        {
            var items = value as IReadOnlyCollection<T> ?? ((IEnumerable<T>)value!).ToList();
            if (++writer.Depth > GrainCodec.MaxDepth)
            {
                throw new GrainCodecException($"Nesting deeper than {GrainCodec.MaxDepth} in a collection of '{typeof(T).FullName}': a reference cycle?", typeof(T));
            }
            writer.WriteLength(items.Count);
            foreach (var item in items)
            {
                element.Write(writer, item);
            }
            writer.Depth--;
        }
        object Read(ref CodecReader reader)
        {
            var count = reader.ReadLength();
            // Capacity bounded by the bytes left so a corrupt count cannot allocate gigabytes.
            var list = new List<T>(Math.Min(count, reader.Remaining));
            for (var i = 0; i < count; i++)
            {
                list.Add((T)element.Read(ref reader)!);
            }
            return asArray ? list.ToArray() : list;
        }
        return (Write, Read);
    }

    private static (Action<CodecWriter, object?>, CodecRead) DictionaryPlan<TKey, TValue>(CodecPlan key, CodecPlan value)
        where TKey : notnull
    {
        void Write(CodecWriter writer, object? dictionary)
        {
            var pairs = dictionary as IReadOnlyCollection<KeyValuePair<TKey, TValue>>
                ?? ((IEnumerable<KeyValuePair<TKey, TValue>>)dictionary!).ToList();
            if (++writer.Depth > GrainCodec.MaxDepth)
            {
                throw new GrainCodecException($"Nesting deeper than {GrainCodec.MaxDepth} in a dictionary of '{typeof(TValue).FullName}': a reference cycle?", typeof(TValue));
            }
            writer.WriteLength(pairs.Count);
            foreach (var pair in pairs)
            {
                key.Write(writer, pair.Key);
                value.Write(writer, pair.Value);
            }
            writer.Depth--;
        }
        object Read(ref CodecReader reader)
        {
            var count = reader.ReadLength();
            var result = new Dictionary<TKey, TValue>(Math.Min(count, reader.Remaining));
            for (var i = 0; i < count; i++)
            {
                var k = (TKey)(key.Read(ref reader) ?? throw new GrainCodecException($"Null dictionary key of type {typeof(TKey).Name}."));
                if (!result.TryAdd(k, (TValue)value.Read(ref reader)!))
                {
                    throw new GrainCodecException($"Duplicate dictionary key '{k}'.");
                }
            }
            return result;
        }
        return (Write, Read);
    }
}
