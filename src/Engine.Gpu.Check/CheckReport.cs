using System.Globalization;
using System.Text;

namespace Precision.Orleans.Engine.Gpu.Check;

/// <summary>One JSON object per line on stdout (and appended to --report FILE): what was measured, its figures, pass or fail.</summary>
internal static class CheckReport
{
    public static string? File { get; set; }
    public static int Failures { get; private set; }

    public static void Write(string check, params (string Key, object Value)[] fields)
    {
        var line = new StringBuilder("{\"check\":\"").Append(check).Append('"');
        foreach (var (key, value) in fields)
        {
            line.Append(",\"").Append(key).Append("\":");
            line.Append(value switch
            {
                bool b => b ? "true" : "false",
                float f => float.IsFinite(f) ? f.ToString("G6", CultureInfo.InvariantCulture) : $"\"{f.ToString(CultureInfo.InvariantCulture)}\"",
                double d => double.IsFinite(d) ? d.ToString("G6", CultureInfo.InvariantCulture) : $"\"{d.ToString(CultureInfo.InvariantCulture)}\"",
                int or long => Convert.ToString(value, CultureInfo.InvariantCulture),
                _ => "\"" + Convert.ToString(value, CultureInfo.InvariantCulture)!.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"",
            });
            if (key == "pass" && value is false) Failures++;
        }
        line.Append('}');
        Console.WriteLine(line);
        if (File is not null) System.IO.File.AppendAllText(File, line + "\n");
    }

    /// <summary>max over elements of |a − e| / max(|e|, floor).</summary>
    public static float MaxRelativeError(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, float floor)
    {
        float worst = 0f;
        for (int i = 0; i < expected.Length; i++)
        {
            float err = MathF.Abs(actual[i] - expected[i]) / MathF.Max(MathF.Abs(expected[i]), floor);
            if (!(err <= worst)) worst = float.IsNaN(err) ? float.PositiveInfinity : err;
        }
        return worst;
    }
}
