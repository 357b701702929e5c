using System.Text.Json;
using Precision.Orleans.RL.Training;
using Xunit;

namespace Precision.Orleans.RL.Tests.Training;

/// <summary>Resume checks metrics.jsonl against the checkpoint's step, repairs what it can and says what it did.</summary>
public sealed class MetricsResumeTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "metrics-resume-" + Guid.NewGuid().ToString("N")[..8]);

    public MetricsResumeTests() => Directory.CreateDirectory(_dir);

    private static string Row(int step, double accuracy = 0.5) =>
        JsonSerializer.Serialize(new IterationMetrics { Step = step, Accuracy = accuracy }, MetricsLog.JsonOptions) + "\n";

    private MetricsLog Log(string jsonl)
    {
        File.WriteAllText(Path.Combine(_dir, MetricsLog.JsonlFileName), jsonl);
        return new MetricsLog(_dir);
    }

    [Fact]
    public void A_consistent_log_is_left_as_it_is()
    {
        var log = Log(Row(1) + Row(2));
        File.WriteAllText(log.CsvPath, MetricsLog.CsvHeader + "\n" + "a\nb\n");
        var (rows, repairs) = log.ResumeAt(2, keepSuperseded: false);
        Assert.Equal([1, 2], rows.Select(r => r.Step));
        Assert.Empty(repairs);
    }

    [Fact]
    public void Torn_duplicated_and_later_rows_are_repaired_and_reported()
    {
        var log = Log(Row(1) + Row(2, 0.25) + Row(2, 0.75) + Row(3) + "{\"step\": 4, \"accu");
        var (rows, repairs) = log.ResumeAt(2, keepSuperseded: false);
        Assert.Equal([1, 2], rows.Select(r => r.Step));
        Assert.Equal(0.25, rows[1].Accuracy);   // the first row of a step written twice is kept
        Assert.Contains(repairs, r => r.Contains("torn last line"));
        Assert.Contains(repairs, r => r.Contains("1 duplicated row"));
        Assert.Contains(repairs, r => r.Contains("1 row(s) after step 2"));
        Assert.Equal([1, 2], new MetricsLog(_dir).ReadAll().Select(r => r.Step));
        Assert.Equal(3, File.ReadAllLines(log.CsvPath).Length);
        Assert.Empty(Directory.GetFiles(_dir, "metrics.superseded-*"));
    }

    [Fact]
    public void Missing_rows_are_reported_as_a_gap()
    {
        var (rows, repairs) = Log(Row(1) + Row(3)).ResumeAt(3, keepSuperseded: false);
        Assert.Equal([1, 3], rows.Select(r => r.Step));
        Assert.Contains(repairs, r => r.Contains("lacks step(s) 2"));
    }

    [Fact]
    public void Resuming_an_older_checkpoint_keeps_the_superseded_rows_beside_it()
    {
        var (rows, repairs) = Log(Row(1) + Row(2) + Row(3) + Row(4)).ResumeAt(2, keepSuperseded: true);
        Assert.Equal([1, 2], rows.Select(r => r.Step));
        string aside = Assert.Single(Directory.GetFiles(_dir, "metrics.superseded-*.jsonl"));
        Assert.Equal([3, 4], File.ReadAllLines(aside).Select(l => MetricsLog.ParseRow(l).Step));
        Assert.Contains(repairs, r => r.Contains(Path.GetFileName(aside)));
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
