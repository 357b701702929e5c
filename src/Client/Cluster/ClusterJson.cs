using System.Text.Json;
using System.Text.Json.Serialization;

namespace Precision.Orleans.Client.Cluster;

/// <summary>The silo API's JSON conventions (camelCase, enum names, "NaN" for a run without a step yet).</summary>
internal static class ClusterJson
{
    public static JsonSerializerOptions Options { get; } = Create();

    private static JsonSerializerOptions Create()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web) { NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals };
        options.Converters.Add(new JsonStringEnumConverter());
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }
}
