using System.Text.Json;
using Precision.Orleans.RL.Training;

namespace Precision.Orleans.RL.Experiments;

/// <summary>
/// Reads a run's <c>metrics.jsonl</c> (one snake_case <see cref="IterationMetrics"/> per line) for reports.
/// Tolerant by design: a run killed mid-write may end in a partial line, and a resumed run may repeat
/// steps after its checkpoint — a bad line is noted in <see cref="MetricsReadResult.Problems"/>, and for a
/// repeated step the later row wins (it is the one the resumed curve continues from).
/// </summary>
public static class MetricsFile
{
    public const string FileName = MetricsLog.JsonlFileName;

    /// <summary>The trainer's own serializer settings, so reader and writer cannot drift apart.</summary>
    public static JsonSerializerOptions Json => MetricsLog.JsonOptions;

    public static MetricsReadResult Read(string path)
    {
        if (!File.Exists(path)) return new MetricsReadResult([], []);
        var byStep = new SortedDictionary<int, IterationMetrics>();
        var problems = new List<string>();
        int lineNo = 0;
        foreach (string line in File.ReadLines(path))
        {
            lineNo++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            IterationMetrics? row;
            try
            {
                row = JsonSerializer.Deserialize<IterationMetrics>(line, Json);
            }
            catch (JsonException e)
            {
                problems.Add($"{path}:{lineNo}: skipped a row that is not valid JSON ({e.Message.Split('.')[0]}); a run killed mid-write leaves one");
                continue;
            }
            if (row is null || row.Step < 1)
            {
                problems.Add($"{path}:{lineNo}: skipped a row without a step >= 1");
                continue;
            }
            byStep[row.Step] = row;
        }
        return new MetricsReadResult(byStep.Values.ToList(), problems);
    }

    /// <summary>One row per line, the inverse of <see cref="Read"/> (tests and tools).</summary>
    public static string ToJsonLine(IterationMetrics row) => JsonSerializer.Serialize(row, Json);
}
