using YamlDotNet.RepresentationModel;

namespace Precision.Orleans.Client.Tests.Deploy;

/// <summary>Every YAML document under deploy/k8s, parsed, with small helpers to walk them.</summary>
internal sealed class Manifests
{
    private Manifests(string root, IReadOnlyList<(string File, YamlMappingNode Doc)> documents)
    {
        Root = root;
        Documents = documents;
    }

    /// <summary>The repository root.</summary>
    public string Root { get; }

    public IReadOnlyList<(string File, YamlMappingNode Doc)> Documents { get; }

    public static Manifests Load()
    {
        var root = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(root, "Precision.Orleans.sln")))
        {
            root = Path.GetDirectoryName(root) ?? throw new InvalidOperationException("repository root (Precision.Orleans.sln) not found above the test binaries");
        }
        var documents = new List<(string, YamlMappingNode)>();
        foreach (var file in Directory.GetFiles(Path.Combine(root, "deploy", "k8s"), "*.yaml").Order(StringComparer.Ordinal))
        {
            var stream = new YamlStream();
            stream.Load(new StringReader(File.ReadAllText(file)));
            foreach (var doc in stream.Documents)
            {
                documents.Add((Path.GetFileName(file), (YamlMappingNode)doc.RootNode));
            }
        }
        return new Manifests(root, documents);
    }

    public IEnumerable<YamlMappingNode> OfKind(string kind) => Documents.Where(d => Str(d.Doc, "kind") == kind).Select(d => d.Doc);

    public YamlMappingNode Named(string kind, string name) =>
        OfKind(kind).SingleOrDefault(d => Str(d, "metadata", "name") == name) ?? throw new InvalidOperationException($"no {kind} named '{name}' in deploy/k8s");

    public static YamlNode? Get(YamlNode node, params string[] path)
    {
        foreach (var key in path)
        {
            if (node is not YamlMappingNode map || !map.Children.TryGetValue(new YamlScalarNode(key), out var next))
            {
                return null;
            }
            node = next;
        }
        return node;
    }

    public static string? Str(YamlNode node, params string[] path) => (Get(node, path) as YamlScalarNode)?.Value;

    public static IEnumerable<YamlMappingNode> Seq(YamlNode node, params string[] path) =>
        Get(node, path) is YamlSequenceNode seq ? seq.Children.Cast<YamlMappingNode>() : [];

    public static IReadOnlyDictionary<string, string> Map(YamlNode node, params string[] path) =>
        Get(node, path) is YamlMappingNode map
            ? map.Children.ToDictionary(e => ((YamlScalarNode)e.Key).Value!, e => ((YamlScalarNode)e.Value).Value!)
            : new Dictionary<string, string>();
}
