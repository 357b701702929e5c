using System.Text.RegularExpressions;
using Precision.Orleans.Abstractions;
using Precision.Orleans.Engine.Checkpoints;

namespace Precision.Orleans.Client.Commands;

/// <summary>Help text with enum defaults spelled as the options accept them: <c>[default: fp16]</c>, <c>[default: refuse]</c>.</summary>
internal static partial class HelpText
{
    private static readonly Dictionary<string, string> Typed = BuildTyped();

    private static Dictionary<string, string> BuildTyped()
    {
        var typed = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var d in Enum.GetValues<DType>()) typed[d.ToString()] = d.Name();
        foreach (var p in Enum.GetValues<Fp16RangePolicy>()) typed[p.ToString()] = p.ToString().ToLowerInvariant();
        foreach (var d in Enum.GetValues<Engine.Backends.ComputeDevice>()) typed[d.ToString()] = d.ToString().ToLowerInvariant();
        return typed;
    }

    public static string WithTypedDefaults(string help) => DefaultValue().Replace(help, m =>
    {
        var parts = m.Groups["value"].Value.Split('|');
        return parts.All(Typed.ContainsKey) ? $"[default: {string.Join(",", parts.Select(p => Typed[p]))}]" : m.Value;
    });

    [GeneratedRegex(@"\[default: (?<value>[^\]]*)\]")]
    private static partial Regex DefaultValue();
}
