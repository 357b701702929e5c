using System.Text.Json;
using System.Text.Json.Serialization;

namespace Precision.Orleans.SiloHost.Api;

/// <summary>
/// The JSON of the silo's HTTP API: camelCase names, enums as their names, and NaN/Infinity written as the strings
/// "NaN"/"Infinity" (a run's accuracy is NaN before its first step; plain JSON has no such number).
/// </summary>
public static class SiloApiJson
{
    public static JsonSerializerOptions Options { get; } = Create();

    private static JsonSerializerOptions Create()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
            WriteIndented = false,
        };
        options.Converters.Add(new JsonStringEnumConverter());
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }
}
