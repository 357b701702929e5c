using System.Globalization;
using System.Reflection;
using System.Text;
using Precision.Orleans.Abstractions.Grains.Rl;

namespace Precision.Orleans.Grains.Reports;

/// <summary>
/// Metrics rows as CSV (<c>GET /api/runs/{id}/metrics?format=csv</c>, <c>precision metrics ID --csv</c>): one column
/// per <see cref="IterationRecord"/> property in declaration order, snake_case headers like the trainer's
/// metrics.csv, invariant culture, round-trip precision.
/// </summary>
public static class IterationCsv
{
    private static readonly PropertyInfo[] Columns = typeof(IterationRecord).GetProperties(BindingFlags.Public | BindingFlags.Instance)
        .OrderBy(p => p.MetadataToken)
        .ToArray();

    public static string Header { get; } = string.Join(",", Columns.Select(p => SnakeCase(p.Name)));

    public static string Write(IEnumerable<IterationRecord> rows)
    {
        var csv = new StringBuilder().Append(Header).Append('\n');
        foreach (var row in rows)
        {
            csv.AppendJoin(',', Columns.Select(p => Format(p.GetValue(row)))).Append('\n');
        }
        return csv.ToString();
    }

    private static string Format(object? value) => value switch
    {
        null => "",
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        float f => f.ToString("R", CultureInfo.InvariantCulture),
        DateTimeOffset t => t.ToString("O", CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        string s when s.IndexOfAny([',', '"', '\n']) >= 0 => "\"" + s.Replace("\"", "\"\"") + "\"",
        var other => other.ToString() ?? "",
    };

    private static string SnakeCase(string name)
    {
        var text = new StringBuilder();
        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            // A new word starts at an upper-case letter after a lower-case letter or digit ("K3", "TokensPerSecond").
            if (char.IsUpper(c) && i > 0 && (char.IsLower(name[i - 1]) || char.IsDigit(name[i - 1])))
            {
                text.Append('_');
            }
            text.Append(char.ToLowerInvariant(c));
        }
        return text.ToString();
    }
}
