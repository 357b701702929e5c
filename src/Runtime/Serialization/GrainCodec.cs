using System.Collections.Concurrent;

namespace Precision.Orleans.Runtime.Serialization;

/// <summary>
/// The compact binary codec for grain call arguments, results and runtime messages. It is schema-driven: both sides
/// know the declared type (from the grain interface), so no type names travel. Format, little-endian:
/// <list type="bullet">
/// <item>bool/byte/sbyte 1 byte; short/ushort/char/Half 2 bytes; float 4; double 8; decimal 16; Guid 16;
/// int/long/enums as zig-zag varints, uint/ulong as varints; DateTime as ToBinary, DateTimeOffset as UTC ticks +
/// offset minutes, TimeSpan as ticks;</item>
/// <item>string: UTF-8 with a varint byte length;</item>
/// <item>arrays of primitive numbers (float[], Half[], int[], long[], byte[], double[], …): a varint element count
/// then the elements as one raw little-endian block (a memory copy each way, byte-exact including NaN payloads);</item>
/// <item>other arrays, List/IList/IReadOnlyList/ICollection/IEnumerable: count + items (read back as T[] for arrays,
/// List&lt;T&gt; otherwise); Dictionary/IDictionary/IReadOnlyDictionary: count + key/value pairs (read back as
/// Dictionary with the default comparer);</item>
/// <item>records, classes and structs: their public properties, through a cached per-type plan — the public
/// constructor whose parameters all match properties by name and type (the one with most parameters), plus
/// settable/init properties; get-only properties not fed by that constructor are treated as derived and skipped;</item>
/// <item>every reference type and Nullable&lt;T&gt; is preceded by a presence byte (0 = null).</item>
/// </list>
/// Unsupported (clear <see cref="GrainCodecException"/> naming the type and the member path): object, interfaces
/// other than the collection ones above, abstract classes, delegates, pointers, multi-dimensional arrays, types
/// without a usable constructor, values whose runtime type differs from the declared class (no polymorphism), and
/// reference cycles. Thread-safe.
/// </summary>
public sealed class GrainCodec
{
    /// <summary>Deepest nesting written before a value is declared cyclic.</summary>
    public const int MaxDepth = 64;

    private readonly ConcurrentDictionary<Type, CodecPlan> _plans = new();
    private readonly Lock _buildLock = new();

    public GrainCodec()
    {
        // Raw numeric blocks are memory copies of the host representation; the wire format is little-endian.
        if (!BitConverter.IsLittleEndian)
        {
            throw new PlatformNotSupportedException("GrainCodec writes raw little-endian blocks and needs a little-endian host.");
        }
    }

    public static GrainCodec Default { get; } = new();

    /// <summary>Fails now (instead of at the first call) when <paramref name="type"/> cannot be encoded.</summary>
    public void EnsureSupported(Type type) => GetPlan(type);

    public byte[] Encode<T>(T value) => Encode(value, typeof(T));

    public byte[] Encode(object? value, Type type)
    {
        var writer = new CodecWriter();
        Write(writer, value, type);
        return writer.ToArray();
    }

    public void Write(CodecWriter writer, object? value, Type type) => GetPlan(type).Write(writer, value);

    public T Decode<T>(ReadOnlySpan<byte> bytes) => (T)Decode(bytes, typeof(T))!;

    public object? Decode(ReadOnlySpan<byte> bytes, Type type)
    {
        var reader = new CodecReader(bytes);
        var value = Read(ref reader, type);
        ThrowIfTrailing(reader, type.Name);
        return value;
    }

    public object? Read(ref CodecReader reader, Type type) => GetPlan(type).Read(ref reader);

    /// <summary>Encodes call arguments in order, each against its declared parameter type.</summary>
    public byte[] EncodeArguments(IReadOnlyList<object?> args, IReadOnlyList<Type> parameterTypes)
    {
        if (args.Count != parameterTypes.Count)
        {
            throw new GrainCodecException($"Expected {parameterTypes.Count} arguments, got {args.Count}.");
        }
        var writer = new CodecWriter();
        for (var i = 0; i < args.Count; i++)
        {
            Write(writer, args[i], parameterTypes[i]);
        }
        return writer.ToArray();
    }

    public object?[] DecodeArguments(ReadOnlySpan<byte> bytes, IReadOnlyList<Type> parameterTypes)
    {
        var reader = new CodecReader(bytes);
        var args = new object?[parameterTypes.Count];
        for (var i = 0; i < args.Length; i++)
        {
            args[i] = Read(ref reader, parameterTypes[i]);
        }
        ThrowIfTrailing(reader, "argument list");
        return args;
    }

    private static void ThrowIfTrailing(CodecReader reader, string what)
    {
        if (reader.Remaining != 0)
        {
            throw new GrainCodecException($"{reader.Remaining} unexpected trailing bytes after the encoded {what}.");
        }
    }

    internal CodecPlan GetPlan(Type type)
    {
        if (_plans.TryGetValue(type, out var plan))
        {
            return plan;
        }
        lock (_buildLock)
        {
            if (_plans.TryGetValue(type, out plan))
            {
                return plan;
            }
            // Plans are published only when the whole graph built: a type with an unsupported member leaves no
            // half-made plans behind.
            var building = new Dictionary<Type, CodecPlan>();
            plan = new CodecPlanBuilder(this, building).Build(type, type.Name);
            foreach (var (builtType, builtPlan) in building)
            {
                _plans[builtType] = builtPlan;
            }
            return plan;
        }
    }

    internal bool TryGetBuilt(Type type, out CodecPlan plan) => _plans.TryGetValue(type, out plan!);
}
