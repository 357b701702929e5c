using System.Globalization;
using YamlDotNet.RepresentationModel;

namespace Precision.Orleans.RL.Spec;

/// <summary>
/// One YAML mapping of a run spec (the document or a section such as <c>batch</c>), read with typed
/// accessors whose errors name the full key path and the line.
/// </summary>
internal sealed class YamlSection
{
    private readonly YamlMappingNode _node;
    private readonly string _source;
    private readonly string _path;

    public YamlSection(YamlMappingNode node, string source, string path)
    {
        _node = node;
        _source = source;
        _path = path;
    }

    public RunSpecException Error(string key, string problem, YamlNode? at = null) =>
        new(_source, Path(key), problem, at is null ? (int)_node.Start.Line : (int)at.Start.Line);

    private string Path(string key) => _path.Length == 0 ? key : key.Length == 0 ? _path : $"{_path}.{key}";

    /// <summary>Refuses any key not in <paramref name="allowed"/> (typos would otherwise silently fall back to defaults).</summary>
    public void RequireKnownKeys(IReadOnlyList<string> allowed)
    {
        foreach (var (keyNode, _) in _node.Children)
        {
            string key = keyNode is YamlScalarNode s ? s.Value ?? "" : keyNode.ToString();
            if (!allowed.Contains(key))
                throw Error(key, $"unknown key; allowed keys{(_path.Length > 0 ? $" of '{_path}'" : "")}: {string.Join(", ", allowed)}", keyNode);
        }
    }

    private YamlNode? Get(string key) =>
        _node.Children.TryGetValue(new YamlScalarNode(key), out var v) && !IsNull(v) ? v : null;

    private static bool IsNull(YamlNode node) =>
        node is YamlScalarNode { Style: not YamlDotNet.Core.ScalarStyle.SingleQuoted and not YamlDotNet.Core.ScalarStyle.DoubleQuoted } s &&
        (s.Value is null || s.Value is "" or "~" or "null" or "Null" or "NULL");

    public YamlSection? Section(string key)
    {
        var node = Get(key);
        if (node is null) return null;
        if (node is not YamlMappingNode map) throw Error(key, $"expected a section of keys, got {Describe(node)}", node);
        return new YamlSection(map, _source, Path(key));
    }

    /// <summary>True when <paramref name="key"/> holds a section of keys (for keys written either as a value or as a section, like <c>model</c>).</summary>
    public bool IsSection(string key) => Get(key) is YamlMappingNode;

    /// <summary>A list of strings, written <c>[a, b]</c> or as a block list; null when absent.</summary>
    public IReadOnlyList<string>? StringList(string key)
    {
        var node = Get(key);
        if (node is null) return null;
        if (node is not YamlSequenceNode seq) throw Error(key, $"expected a list such as [a, b], got {Describe(node)}", node);
        return seq.Children.Select((c, i) => c is YamlScalarNode { Value: { } v }
            ? v
            : throw Error(key, $"item {i} must be a plain value, got {Describe(c)}", c)).ToList();
    }

    private (string Text, YamlNode Node)? Scalar(string key, string expected)
    {
        var node = Get(key);
        if (node is null) return null;
        if (node is not YamlScalarNode s) throw Error(key, $"expected {expected}, got {Describe(node)}", node);
        return (s.Value ?? "", node);
    }

    public string? String(string key) => Scalar(key, "a string")?.Text;

    public int? Int(string key)
    {
        if (Scalar(key, "an integer") is not { } v) return null;
        return int.TryParse(v.Text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int n)
            ? n
            : throw Error(key, $"expected an integer, got '{v.Text}'", v.Node);
    }

    public double? Double(string key)
    {
        if (Scalar(key, "a number") is not { } v) return null;
        return double.TryParse(v.Text, NumberStyles.Float, CultureInfo.InvariantCulture, out double d) && double.IsFinite(d)
            ? d
            : throw Error(key, $"expected a number, got '{v.Text}'", v.Node);
    }

    /// <summary>A number the engine holds as a 32-bit float: refused when it does not fit one (e.g. 1e300 would become +∞).</summary>
    public float? Float(string key)
    {
        if (Double(key) is not { } d) return null;
        float f = (float)d;
        return float.IsFinite(f) ? f : throw Error(key, $"{d:R} does not fit a 32-bit float (at most ±3.4e38)", _node.Children[new YamlScalarNode(key)]);
    }

    public bool? Bool(string key)
    {
        if (Scalar(key, "true or false") is not { } v) return null;
        return v.Text.ToLowerInvariant() switch
        {
            "true" or "yes" or "on" => true,
            "false" or "no" or "off" => false,
            _ => throw Error(key, $"expected true or false, got '{v.Text}'", v.Node),
        };
    }

    private static string Describe(YamlNode node) => node switch
    {
        YamlScalarNode s => $"'{s.Value}'",
        YamlSequenceNode => "a list",
        YamlMappingNode => "a section of keys",
        _ => node.NodeType.ToString(),
    };
}
