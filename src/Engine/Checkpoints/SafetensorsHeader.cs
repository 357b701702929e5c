using System.Text.Json;
using Precision.Orleans.Engine.Numerics;

namespace Precision.Orleans.Engine.Checkpoints;

/// <summary>
/// The JSON header of a safetensors file: building it for the writer, and parsing plus validating it
/// for the reader. Every error names the file and, where there is one, the tensor.
/// </summary>
internal static class SafetensorsHeader
{
    public const string MetadataKey = "__metadata__";

    /// <summary>Same cap as the reference implementation: a header this big is damage, not a model.</summary>
    public const long MaxHeaderBytes = 100L * 1024 * 1024;

    /// <summary>UTF-8 JSON padded with spaces so the data section starts 8-byte aligned (as the format recommends).</summary>
    public static byte[] Build(IReadOnlyList<SafetensorsTensor> tensors, IReadOnlyDictionary<string, string> metadata)
    {
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms))
        {
            w.WriteStartObject();
            w.WriteStartObject(MetadataKey);
            foreach (var (k, v) in metadata) w.WriteString(k, v);
            w.WriteEndObject();
            foreach (var t in tensors)
            {
                w.WriteStartObject(t.Name);
                w.WriteString("dtype", SafetensorsDType.Name(t.DType));
                w.WriteStartArray("shape");
                foreach (long d in t.Shape) w.WriteNumberValue(d);
                w.WriteEndArray();
                w.WriteStartArray("data_offsets");
                w.WriteNumberValue(t.Begin);
                w.WriteNumberValue(t.End);
                w.WriteEndArray();
                w.WriteEndObject();
            }
            w.WriteEndObject();
        }
        int pad = (int)((8 - (8 + ms.Length) % 8) % 8);
        for (int i = 0; i < pad; i++) ms.WriteByte((byte)' ');
        return ms.ToArray();
    }

    /// <summary>Parses and validates the header; the tensors come back in data order, covering the data section exactly.</summary>
    public static (List<SafetensorsTensor> Tensors, Dictionary<string, string> Metadata) Parse(
        string path, ReadOnlySpan<byte> json, long dataLength)
    {
        InvalidDataException Bad(string what) => new($"safetensors file '{path}': {what}");

        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(json.ToArray());
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"safetensors file '{path}': header is not valid JSON: {e.Message}", e);
        }

        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
                throw Bad($"header must be a JSON object, found {doc.RootElement.ValueKind}");

            var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
            var tensors = new List<SafetensorsTensor>();
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var prop in doc.RootElement.EnumerateObject())
            {
                if (!seen.Add(prop.Name)) throw Bad($"tensor '{prop.Name}' appears twice in the header");
                if (prop.Name == MetadataKey)
                {
                    if (prop.Value.ValueKind != JsonValueKind.Object) throw Bad($"'{MetadataKey}' must be an object of strings");
                    foreach (var m in prop.Value.EnumerateObject())
                    {
                        if (m.Value.ValueKind != JsonValueKind.String)
                            throw Bad($"'{MetadataKey}' entry '{m.Name}' must be a string, found {m.Value.ValueKind}");
                        metadata[m.Name] = m.Value.GetString()!;
                    }
                    continue;
                }
                tensors.Add(ParseTensor(prop, dataLength, Bad));
            }

            CheckCoverage(tensors, dataLength, Bad);
            return (tensors, metadata);
        }
    }

    private static SafetensorsTensor ParseTensor(JsonProperty prop, long dataLength, Func<string, InvalidDataException> bad)
    {
        string name = prop.Name;
        var e = prop.Value;
        if (e.ValueKind != JsonValueKind.Object) throw bad($"tensor '{name}': entry must be an object, found {e.ValueKind}");
        if (!e.TryGetProperty("dtype", out var dtypeEl) || dtypeEl.ValueKind != JsonValueKind.String)
            throw bad($"tensor '{name}': missing string field 'dtype'");
        string dtypeName = dtypeEl.GetString()!;
        if (!SafetensorsDType.TryParse(dtypeName, out var dtype))
            throw bad($"tensor '{name}': unsupported dtype '{dtypeName}' (supported: {SafetensorsDType.Supported})");

        if (!e.TryGetProperty("shape", out var shapeEl) || shapeEl.ValueKind != JsonValueKind.Array)
            throw bad($"tensor '{name}': missing array field 'shape'");
        var shape = new long[shapeEl.GetArrayLength()];
        int i = 0;
        foreach (var d in shapeEl.EnumerateArray())
        {
            if (d.ValueKind != JsonValueKind.Number || !d.TryGetInt64(out long v) || v < 0)
                throw bad($"tensor '{name}': shape entries must be non-negative integers, found '{d.GetRawText()}'");
            shape[i++] = v;
        }

        if (!e.TryGetProperty("data_offsets", out var offEl) || offEl.ValueKind != JsonValueKind.Array || offEl.GetArrayLength() != 2)
            throw bad($"tensor '{name}': 'data_offsets' must be an array [begin, end]");
        long begin = ReadOffset(offEl[0]), end = ReadOffset(offEl[1]);
        long ReadOffset(JsonElement x) =>
            x.ValueKind == JsonValueKind.Number && x.TryGetInt64(out long v) && v >= 0
                ? v
                : throw bad($"tensor '{name}': data_offsets must be non-negative integers, found {offEl.GetRawText()}");
        if (end < begin) throw bad($"tensor '{name}': data_offsets [{begin}, {end}] end before they begin");
        if (end > dataLength)
            throw bad($"tensor '{name}': data_offsets [{begin}, {end}] run beyond the data section ({dataLength} bytes): the file is truncated or the header is wrong");

        var t = new SafetensorsTensor(name, dtype, shape, begin, end);
        long expected;
        try
        {
            expected = checked(shape.Aggregate(1L, (a, b) => checked(a * b)) * dtype.BytesPerElement());
        }
        catch (OverflowException)
        {
            throw bad($"tensor '{name}': shape {t.ShapeText} is too large");
        }
        if (t.ByteCount != expected)
            throw bad($"tensor '{name}': holds {t.ByteCount} bytes but shape {t.ShapeText} of {dtypeName} needs {expected} bytes");
        return t;
    }

    /// <summary>The tensors must tile the data section: no gaps, no overlaps, no trailing bytes.</summary>
    private static void CheckCoverage(List<SafetensorsTensor> tensors, long dataLength, Func<string, InvalidDataException> bad)
    {
        tensors.Sort((a, b) => a.Begin != b.Begin ? a.Begin.CompareTo(b.Begin) : a.End.CompareTo(b.End));
        long cursor = 0;
        SafetensorsTensor? previous = null;
        foreach (var t in tensors)
        {
            if (t.Begin < cursor)
                throw bad($"tensors '{previous!.Name}' [{previous.Begin}, {previous.End}] and '{t.Name}' [{t.Begin}, {t.End}] overlap");
            if (t.Begin > cursor)
                throw bad(previous is null
                    ? $"gap: bytes [0, {t.Begin}) before tensor '{t.Name}' belong to no tensor"
                    : $"gap: bytes [{cursor}, {t.Begin}) between tensors '{previous.Name}' and '{t.Name}' belong to no tensor");
            cursor = t.End;
            previous = t;
        }
        if (cursor != dataLength)
            throw bad($"data section has {dataLength} bytes but the tensors cover only {cursor}: trailing bytes belong to no tensor");
    }
}
