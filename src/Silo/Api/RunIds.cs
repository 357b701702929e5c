using System.Globalization;
using System.Text;
using YamlDotNet.RepresentationModel;

namespace Precision.Orleans.SiloHost.Api;

/// <summary>
/// Run ids: given by the submitter (?id=), or made from the spec's <c>name</c> and the UTC time of the submit
/// (e.g. "sanity-pg-seq-is-20261122-064912"), so that submitting one spec twice starts two runs rather than being
/// refused as a different spec for an existing id.
/// </summary>
public static class RunIds
{
    public const int MaxLength = 100;

    /// <summary>True for 1–100 characters of [A-Za-z0-9._-] (they travel in URLs and grain keys).</summary>
    public static bool IsValid(string? id) =>
        !string.IsNullOrEmpty(id) && id.Length <= MaxLength && id.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-');

    public static string FromSpec(string specYaml, DateTimeOffset now)
    {
        var stamp = now.UtcDateTime.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture);
        var slug = Slug(SpecName(specYaml) ?? "run");
        return $"{slug[..Math.Min(slug.Length, MaxLength - stamp.Length - 1)]}-{stamp}";
    }

    /// <summary>The top-level <c>name</c> scalar, or null when absent or unreadable (the run grain's validator, not
    /// this, reports what is wrong with a spec).</summary>
    private static string? SpecName(string specYaml)
    {
        try
        {
            var stream = new YamlStream();
            stream.Load(new StringReader(specYaml));
            return stream.Documents.Count > 0
                && stream.Documents[0].RootNode is YamlMappingNode root
                && root.Children.TryGetValue(new YamlScalarNode("name"), out var node)
                && node is YamlScalarNode { Value: { Length: > 0 } name }
                ? name
                : null;
        }
        catch (YamlDotNet.Core.YamlException)
        {
            return null;
        }
    }

    private static string Slug(string name)
    {
        var slug = new StringBuilder();
        foreach (var c in name)
        {
            slug.Append(char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-' ? c : '-');
        }
        var text = slug.ToString().Trim('-', '.');
        return text.Length == 0 ? "run" : text;
    }
}
