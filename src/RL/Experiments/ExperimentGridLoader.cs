using System.Globalization;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Precision.Orleans.RL.Experiments;

/// <summary>
/// Reads a grid YAML file:
/// <code>
/// base_spec: run.yaml          # or base: { ...a run spec inline... }
/// algorithms: [pg-seq-is, grpo, grpo-token-tis]
/// precisions: ["fp16/fp16", "bf16/bf16"]
/// extra_cells: ["pg-seq-is bf16/fp32"]   # optional single cells beyond the product ("… bf16/bf16 lora-r8": of a variant)
/// variants:                    # optional axis: full fine-tuning against LoRA, each overriding lora and optimizer.lr
///   full: {}
///   lora-r8: { lora: { rank: 8, alpha: 16 }, lr: 1.0e-3 }
/// seeds: [1, 2]                # optional
/// </code>
/// Errors name the file, the line and the key, and what is allowed.
/// </summary>
public static class ExperimentGridLoader
{
    public static readonly IReadOnlyList<string> Keys = ["base", "base_spec", "algorithms", "precisions", "extra_cells", "seeds", "variants"];

    /// <summary>Keys of one entry of <c>variants</c>.</summary>
    public static readonly IReadOnlyList<string> VariantKeys = ["lora", "lr"];

    public static ExperimentGrid Load(string path, IRunSpecSource specs)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"experiment grid '{path}' does not exist", path);
        return Parse(File.ReadAllText(path), path, specs);
    }

    /// <param name="origin">The grid file's path: messages name it, and a relative <c>base_spec</c> is resolved against its directory.</param>
    public static ExperimentGrid Parse(string yaml, string origin, IRunSpecSource specs)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(yaml));
        }
        catch (YamlException e)
        {
            throw new FormatException($"{origin}:{e.Start.Line}: not valid YAML: {e.Message}", e);
        }
        catch (InvalidOperationException e)
        {
            // YamlDotNet's scanner throws this (no position) on some unterminated flow collections.
            throw new FormatException($"{origin}: not valid YAML (an unclosed [ or {{ ?): {e.Message}", e);
        }
        if (stream.Documents.Count > 1)
            throw new FormatException($"{origin}: holds {stream.Documents.Count} YAML documents (separated by '---'); an experiment grid is one document");
        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is not YamlMappingNode root)
            throw new FormatException($"{origin}: an experiment grid is a YAML mapping with keys {string.Join(", ", Keys)}");

        var grid = new ExperimentGrid();
        YamlNode? inlineBase = null, baseSpec = null;
        foreach (var (keyNode, value) in root.Children)
        {
            string key = ((YamlScalarNode)keyNode).Value ?? "";
            string where = $"{origin}:{keyNode.Start.Line}";
            switch (key)
            {
                case "base": inlineBase = value; break;
                case "base_spec": baseSpec = value; break;
                case "algorithms": grid = grid with { Algorithms = Scalars(value, where, key) }; break;
                case "precisions":
                    grid = grid with { Precisions = Scalars(value, where, key).Select((p, i) => ParsePair(p, $"{where}: precisions[{i}]")).ToList() };
                    break;
                case "extra_cells":
                    var extra = Scalars(value, where, key).Select((c, i) => ParseCell(c, $"{where}: extra_cells[{i}]")).ToList();
                    grid = grid with { ExtraCells = extra.Select(c => (c.Algorithm, c.Precision)).ToList(), ExtraCellVariants = extra.Select(c => c.Variant).ToList() };
                    break;
                case "variants": grid = grid with { Variants = ParseVariants(value, origin, where) }; break;
                case "seeds": grid = grid with { Seeds = Scalars(value, where, key).Select((s, i) => ParseSeed(s, $"{where}: seeds[{i}]")).ToList() }; break;
                default: throw new FormatException($"{where}: unknown key '{key}'; allowed: {string.Join(", ", Keys)}");
            }
        }

        if (inlineBase is not null && baseSpec is not null)
            throw new FormatException($"{origin}: give the base run spec once, as 'base' (inline) or as 'base_spec' (a path), not both");
        if (inlineBase is null && baseSpec is null)
            throw new FormatException($"{origin}: missing the base run spec: add 'base_spec: run.yaml' or an inline 'base:' mapping");
        string gridDirectory = Path.GetDirectoryName(Path.GetFullPath(origin)) ?? ".";
        if (baseSpec is not null)
        {
            if (baseSpec is not YamlScalarNode { Value: { Length: > 0 } rel })
                throw new FormatException($"{origin}:{baseSpec.Start.Line}: 'base_spec' must be a path to a run spec file");
            string full = Path.IsPathRooted(rel) ? rel : Path.Combine(gridDirectory, rel);
            if (!File.Exists(full)) throw new FileNotFoundException($"{origin}:{baseSpec.Start.Line}: base_spec '{rel}' does not exist (looked for {full})", full);
            grid = grid with { Base = specs.LoadFile(full) };
        }
        else
        {
            if (inlineBase is not YamlMappingNode)
                throw new FormatException($"{origin}:{inlineBase!.Start.Line}: 'base' must be a mapping (a run spec inline)");
            grid = grid with { Base = specs.Parse(ToYaml(inlineBase), $"{origin} (the 'base' mapping at line {inlineBase.Start.Line})", gridDirectory) };
        }
        return grid;
    }

    private static List<string> Scalars(YamlNode node, string where, string key)
    {
        if (node is not YamlSequenceNode seq)
            throw new FormatException($"{where}: '{key}' must be a list, e.g. {key}: [a, b]");
        return seq.Children.Select((c, i) => c is YamlScalarNode { Value: { } v } && v.Trim().Length > 0
            ? v.Trim()
            : throw new FormatException($"{where}: {key}[{i}] must be a plain value")).ToList();
    }

    private static PrecisionPair ParsePair(string text, string where)
    {
        try
        {
            return PrecisionPair.Parse(text);
        }
        catch (FormatException e)
        {
            throw new FormatException($"{where}: {e.Message}", e);
        }
    }

    private static (string Algorithm, PrecisionPair Precision, string? Variant) ParseCell(string text, string where)
    {
        var parts = text.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length is not (2 or 3))
            throw new FormatException($"{where}: '{text}' must be \"algorithm train/rollout\" or \"algorithm train/rollout variant\", e.g. \"pg-seq-is bf16/fp32\"");
        return (parts[0], ParsePair(parts[1], where), parts.Length == 3 ? parts[2] : null);
    }

    private static List<GridVariant> ParseVariants(YamlNode node, string origin, string where)
    {
        if (node is not YamlMappingNode map)
            throw new FormatException($"{where}: 'variants' must be a mapping of name → overrides, e.g. variants: {{ full: {{}}, lora-r8: {{ lora: {{ rank: 8 }}, lr: 1.0e-3 }} }}");
        var result = new List<GridVariant>();
        foreach (var (keyNode, value) in map.Children)
        {
            string name = ((YamlScalarNode)keyNode).Value ?? "";
            string at = $"{origin}:{keyNode.Start.Line}: variants.{name}";
            if (name.Length == 0 || name.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '-' or '_')))
                throw new FormatException($"{at}: a variant name prefixes run directories; use letters, digits, '-', '_'");
            if (value is YamlScalarNode { Value: null or "" or "~" or "null" })
            {
                result.Add(new GridVariant(name, null, null));
                continue;
            }
            if (value is not YamlMappingNode overrides)
                throw new FormatException($"{at}: must be a mapping with keys {string.Join(", ", VariantKeys)} (or {{}} for the base spec as is)");
            Spec.LoraSpec? lora = null;
            float? lr = null;
            foreach (var (k, v) in overrides.Children)
            {
                string key = ((YamlScalarNode)k).Value ?? "";
                switch (key)
                {
                    case "lora":
                        if (v is not YamlMappingNode loraMap) throw new FormatException($"{at}.lora: must be a lora section (rank, alpha, target_modules, rollout)");
                        lora = ReadLora(loraMap, origin, $"variants.{name}.lora");
                        break;
                    case "lr":
                        lr = v is YamlScalarNode { Value: { } text } && float.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out float f) && f > 0
                            ? f
                            : throw new FormatException($"{at}.lr: must be a positive number");
                        break;
                    default: throw new FormatException($"{at}: unknown key '{key}'; allowed: {string.Join(", ", VariantKeys)}");
                }
            }
            result.Add(new GridVariant(name, lora, lr));
        }
        return result;
    }

    private static Spec.LoraSpec ReadLora(YamlMappingNode node, string origin, string path)
    {
        try
        {
            return Spec.RunSpecLoader.ReadLora(new Spec.YamlSection(node, origin, path))!;
        }
        catch (Spec.RunSpecException e)
        {
            throw new FormatException(e.Message, e);
        }
    }

    private static int ParseSeed(string text, string where) =>
        int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int s) && s >= 0
            ? s
            : throw new FormatException($"{where}: seed '{text}' must be a whole number >= 0");

    private static string ToYaml(YamlNode node)
    {
        var writer = new StringWriter();
        new YamlStream(new YamlDocument(node)).Save(writer, assignAnchors: false);
        return writer.ToString();
    }
}
