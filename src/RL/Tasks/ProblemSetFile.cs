using Precision.Orleans.Engine.Checkpoints;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Precision.Orleans.RL.Tasks;

/// <summary>
/// Problem sets as JSONL, one object a line:
/// <c>{"prompt": …, "answer": …, "id"?: …, "task"?: …, "difficulty"?: …, "accuracy"?: …, "samples"?: …}</c>.
/// A missing id becomes "line-N". Blank lines are skipped. Errors name the file, the line and the problem.
/// </summary>
public static class ProblemSetFile
{
    public static IReadOnlyList<Problem> ReadProblems(string path) => [.. Read(path).Select(r => r.Problem)];

    public static IReadOnlyList<ProblemRecord> Read(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path)) throw new FileNotFoundException($"problem set: file '{path}' does not exist", path);
        var records = new List<ProblemRecord>();
        int lineNumber = 0;
        foreach (string line in File.ReadLines(path))
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            records.Add(ParseLine(path, lineNumber, line));
        }
        if (records.Count == 0) throw new InvalidDataException($"problem set '{path}': the file has no problems (empty)");
        return records;
    }

    /// <summary>Writes the records atomically (temp file + rename), so a reader never sees half a set.</summary>
    public static void Write(string path, IEnumerable<ProblemRecord> records)
    {
        ArgumentNullException.ThrowIfNull(records);
        AtomicFile.WriteText(path, writer =>
        {
            foreach (ProblemRecord r in records) writer.Write(ToJson(r) + "\n");
        });
    }

    public static string ToJson(ProblemRecord r)
    {
        var o = new JsonObject
        {
            ["id"] = r.Problem.Id,
            ["prompt"] = r.Problem.Prompt,
            ["answer"] = r.Problem.Answer,
        };
        if (r.Task is not null) o["task"] = r.Task;
        if (r.Problem.Difficulty != 0) o["difficulty"] = r.Problem.Difficulty;
        if (r.Accuracy is double a) o["accuracy"] = a;
        if (r.Samples is int n) o["samples"] = n;
        return o.ToJsonString();
    }

    private static ProblemRecord ParseLine(string path, int lineNumber, string line)
    {
        string where = $"problem set '{path}' line {lineNumber}";
        JsonObject o;
        try
        {
            o = JsonNode.Parse(line) as JsonObject ?? throw new InvalidDataException($"{where}: expected a JSON object");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{where}: bad JSON: {e.Message}", e);
        }
        try
        {
            string prompt = RequiredString(o, "prompt", where);
            string answer = RequiredString(o, "answer", where);
            string id = OptionalString(o, "id") ?? $"line-{lineNumber}";
            int difficulty = o["difficulty"]?.GetValue<int>() ?? 0;
            double? accuracy = o["accuracy"]?.GetValue<double>();
            int? samples = o["samples"]?.GetValue<int>();
            if (accuracy is double acc && !(acc >= 0 && acc <= 1))
                throw new InvalidDataException($"{where}: 'accuracy' must be in [0, 1], got {acc}");
            return new ProblemRecord(new Problem(id, prompt, answer, difficulty), OptionalString(o, "task"), accuracy, samples);
        }
        catch (Exception e) when (e is InvalidOperationException or FormatException)
        {
            throw new InvalidDataException($"{where}: a field has the wrong type ({e.Message}); prompt/answer/id/task are strings, difficulty/samples integers, accuracy a number", e);
        }
    }

    private static string RequiredString(JsonObject o, string key, string where)
    {
        JsonNode? node = o[key];
        if (node is null) throw new InvalidDataException($"{where}: missing \"{key}\"");
        if (key == "prompt" && node.GetValueKind() != JsonValueKind.String)
            throw new InvalidDataException($"{where}: \"prompt\" must be a string, got {node.ToJsonString()}");
        // A numeric answer ({"answer": 42}) is common in datasets; keep its JSON text.
        string value = node.GetValueKind() == JsonValueKind.String ? node.GetValue<string>() : node.ToJsonString();
        if (key == "prompt" && value.Length == 0) throw new InvalidDataException($"{where}: \"prompt\" is empty");
        return value;
    }

    private static string? OptionalString(JsonObject o, string key) => o[key] switch
    {
        null => null,
        JsonNode n when n.GetValueKind() == JsonValueKind.String => n.GetValue<string>(),
        JsonNode n => n.ToJsonString(),
    };
}
