using Precision.Orleans.Engine.Checkpoints;
using System.Globalization;
using System.Reflection;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Precision.Orleans.RL.Checkpoints;

namespace Precision.Orleans.RL.Training;

/// <summary>
/// The run's metrics files: <c>metrics.jsonl</c> (one snake_case object per iteration) and <c>metrics.csv</c>
/// (the same columns, header once). On resume both are cut back to the checkpoint's step so the curve continues exactly.
/// </summary>
public sealed class MetricsLog
{
    public const string JsonlFileName = "metrics.jsonl";
    public const string CsvFileName = "metrics.csv";

    public static readonly JsonSerializerOptions JsonOptions = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        // A metric that is undefined for an iteration (e.g. NaN) is written as "NaN" rather than failing the run.
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    private static readonly PropertyInfo[] Columns = typeof(IterationMetrics).GetProperties(BindingFlags.Public | BindingFlags.Instance);

    public MetricsLog(string runDirectory)
    {
        JsonlPath = Path.Combine(runDirectory, JsonlFileName);
        CsvPath = Path.Combine(runDirectory, CsvFileName);
    }

    public string JsonlPath { get; }
    public string CsvPath { get; }

    public static string CsvHeader => string.Join(",", Columns.Select(c => JsonNamingPolicy.SnakeCaseLower.ConvertName(c.Name)));

    public static IterationMetrics ParseRow(string jsonLine) =>
        JsonSerializer.Deserialize<IterationMetrics>(jsonLine, JsonOptions) ?? throw new InvalidDataException("empty metrics row");

    /// <summary>
    /// The rows in <c>metrics.jsonl</c> (empty when there is none). A torn last line (the process was killed while
    /// appending it) is dropped; a bad line anywhere else is an error naming the file and line.
    /// </summary>
    public IReadOnlyList<IterationMetrics> ReadAll()
    {
        if (!File.Exists(JsonlPath)) return [];
        var lines = File.ReadAllLines(JsonlPath);
        var rows = new List<IterationMetrics>(lines.Length);
        for (int i = 0; i < lines.Length; i++)
        {
            if (lines[i].Length == 0) continue;
            try
            {
                rows.Add(ParseRow(lines[i]));
            }
            catch (JsonException e)
            {
                if (i == lines.Length - 1) break;
                throw new InvalidDataException($"{JsonlPath}:{i + 1}: not a metrics row: {e.Message}", e);
            }
        }
        return rows;
    }

    /// <summary>Keeps the rows of steps ≤ <paramref name="step"/> (0: none) in both files; returns the rows kept.</summary>
    public IReadOnlyList<IterationMetrics> TruncateTo(int step)
    {
        var kept = ReadAll().Where(r => r.Step <= step).ToList();
        if (kept.Count == 0)
        {
            File.Delete(JsonlPath);
            File.Delete(CsvPath);
            return kept;
        }
        AtomicFile.WriteAllText(JsonlPath, string.Concat(kept.Select(r => JsonSerializer.Serialize(r, JsonOptions) + "\n")));
        AtomicFile.WriteAllText(CsvPath, CsvHeader + "\n" + string.Concat(kept.Select(r => CsvRow(r) + "\n")));
        return kept;
    }

    public void Append(IterationMetrics row)
    {
        File.AppendAllText(JsonlPath, JsonSerializer.Serialize(row, JsonOptions) + "\n");
        bool header = !File.Exists(CsvPath) || new FileInfo(CsvPath).Length == 0;
        File.AppendAllText(CsvPath, (header ? CsvHeader + "\n" : "") + CsvRow(row) + "\n");
    }

    public static string CsvRow(IterationMetrics row)
    {
        var sb = new StringBuilder();
        foreach (var c in Columns)
        {
            if (sb.Length > 0) sb.Append(',');
            sb.Append(Cell(c.GetValue(row)));
        }
        return sb.ToString();
    }

    private static string Cell(object? value) => value switch
    {
        null => "",
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        float f => f.ToString("R", CultureInfo.InvariantCulture),
        IFormattable n => n.ToString(null, CultureInfo.InvariantCulture),
        // Length buckets in one cell ("≤64=0.012;≤128=0.03"): the buckets present vary from step to step.
        IReadOnlyDictionary<string, double> map => string.Join(";", map.Select(kv => $"{kv.Key}={kv.Value.ToString("R", CultureInfo.InvariantCulture)}")),
        string s => s.Contains(',') || s.Contains('"') ? "\"" + s.Replace("\"", "\"\"") + "\"" : s,
        _ => value.ToString() ?? "",
    };
}
