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
/// (the same columns, header once). On resume both are verified against the checkpoint's step and repaired
/// (<see cref="ResumeAt"/>) so the curve continues exactly.
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

    /// <summary>
    /// Verifies the files against a checkpoint of <paramref name="step"/> and repairs what can be repaired: a torn last
    /// line is dropped, a step written twice keeps its first row, rows after <paramref name="step"/> (not covered by the
    /// checkpoint) are dropped — kept in <c>metrics.superseded-….jsonl</c> when <paramref name="keepSuperseded"/> (an
    /// explicit <c>--resume-from</c> an older checkpoint, whose newer checkpoints are kept aside too). Steps 1..step
    /// missing cannot be repaired and are reported. Returns the rows kept and one sentence per repair (empty: consistent).
    /// </summary>
    public (IReadOnlyList<IterationMetrics> Rows, IReadOnlyList<string> Repairs) ResumeAt(int step, bool keepSuperseded)
    {
        var repairs = new List<string>();
        var all = new List<IterationMetrics>();
        if (File.Exists(JsonlPath))
        {
            var lines = File.ReadAllLines(JsonlPath);
            for (int i = 0; i < lines.Length; i++)
            {
                if (lines[i].Length == 0) continue;
                try
                {
                    all.Add(ParseRow(lines[i]));
                }
                catch (JsonException e)
                {
                    if (i != lines.Length - 1) throw new InvalidDataException($"{JsonlPath}:{i + 1}: not a metrics row: {e.Message}", e);
                    repairs.Add($"dropped a torn last line (line {i + 1}) of {JsonlFileName}");
                }
            }
        }
        var kept = new List<IterationMetrics>();
        var seen = new HashSet<int>();
        int duplicates = 0;
        foreach (var row in all.Where(r => r.Step <= step))
        {
            if (seen.Add(row.Step)) kept.Add(row);
            else duplicates++;
        }
        if (duplicates > 0) repairs.Add($"dropped {duplicates} duplicated row(s) of steps already logged");
        var beyond = all.Where(r => r.Step > step).ToList();
        if (beyond.Count > 0)
        {
            string where = "";
            if (keepSuperseded)
            {
                string aside = Path.Combine(Path.GetDirectoryName(JsonlPath)!,
                    $"metrics.superseded-{DateTime.UtcNow:yyyyMMddHHmmss}-{Guid.NewGuid().ToString("N")[..6]}.jsonl");
                AtomicFile.WriteAllText(aside, string.Concat(beyond.Select(r => JsonSerializer.Serialize(r, JsonOptions) + "\n")));
                where = $", kept in {Path.GetFileName(aside)}";
            }
            repairs.Add($"set aside {beyond.Count} row(s) after step {step} (not covered by the checkpoint){where}");
        }
        var missing = Enumerable.Range(1, step).Where(s => !seen.Contains(s)).ToList();
        if (missing.Count > 0)
            repairs.Add($"{JsonlFileName} lacks step(s) {string.Join(", ", missing.Take(10))}{(missing.Count > 10 ? ", …" : "")} of the checkpoint's {step}: the curve has a gap there (not repairable)");
        kept.Sort((a, b) => a.Step.CompareTo(b.Step));
        bool csvConsistent = File.Exists(CsvPath) && File.ReadAllLines(CsvPath).Length == kept.Count + 1;
        if (repairs.Count > 0 || !csvConsistent || kept.Count != all.Count)
        {
            Rewrite(kept);
        }
        return (kept, repairs);
    }

    /// <summary>Both files replaced (atomically each) by exactly <paramref name="rows"/>; none: both removed.</summary>
    private void Rewrite(IReadOnlyList<IterationMetrics> rows)
    {
        if (rows.Count == 0)
        {
            File.Delete(JsonlPath);
            File.Delete(CsvPath);
            return;
        }
        AtomicFile.WriteAllText(JsonlPath, string.Concat(rows.Select(r => JsonSerializer.Serialize(r, JsonOptions) + "\n")));
        AtomicFile.WriteAllText(CsvPath, CsvHeader + "\n" + string.Concat(rows.Select(r => CsvRow(r) + "\n")));
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
