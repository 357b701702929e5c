using System.Text.Json;

namespace Precision.Orleans.Grains;

/// <summary>JSON of the grain-state documents (snake_case, like the rest of the run files; NaN allowed for metrics).</summary>
internal static class GrainJson
{
    public static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public static string Write<T>(T value) => JsonSerializer.Serialize(value, Options);

    public static T Read<T>(string json) => JsonSerializer.Deserialize<T>(json, Options)
        ?? throw new InvalidDataException($"grain state: empty {typeof(T).Name} document");
}
