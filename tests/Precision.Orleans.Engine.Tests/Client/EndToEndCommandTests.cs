using System.Text.Json;
using Precision.Orleans.Client.Commands;
using Precision.Orleans.Engine.Checkpoints;
using Precision.Orleans.Engine.Text;
using Xunit;

namespace Precision.Orleans.Engine.Tests.Client;

// Spectre.Console live displays are process-wide and exclusive: console-running tests share one collection.
[Collection(ConsoleTests.Collection)]
public class EndToEndCommandTests
{
    private static int Invoke(params string[] args)
    {
        var root = new System.CommandLine.RootCommand();
        foreach (var c in CommandCatalog.All()) root.Subcommands.Add(c);
        return root.Parse(args).Invoke();
    }

    [Fact]
    public void Train_lm_then_mismatch_on_a_tiny_model_writes_checkpoint_and_report()
    {
        string dir = Path.Combine(Path.GetTempPath(), "e2e-" + Guid.NewGuid().ToString("N"));
        try
        {
            Assert.Equal(0, Invoke("train-lm", "--out", dir, "--steps", "3", "--batch", "2", "--seq-len", "48",
                "--hidden", "16", "--layers", "1", "--heads", "2", "--kv-heads", "1", "--intermediate", "32"));
            foreach (string f in new[] { ModelCheckpoint.ConfigFileName, ModelCheckpoint.WeightsFileName, CharTokenizer.FileName, "loss.csv", "loss.svg" })
                Assert.True(File.Exists(Path.Combine(dir, f)), f);
            Assert.Equal(4, File.ReadAllLines(Path.Combine(dir, "loss.csv")).Length); // header + 3 steps

            string report = Path.Combine(dir, "report");
            Assert.Equal(0, Invoke("mismatch", "--model", dir, "--dtypes", "fp32,bf16", "--prompts", "2", "--samples", "2",
                "--max-new-tokens", "12", "--out", report));
            using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(report, "mismatch.json")));
            var bf16 = doc.RootElement.GetProperty("dtypes").GetProperty("bf16");
            Assert.Equal(4, bf16.GetProperty("sequences").GetInt32());
            Assert.InRange(bf16.GetProperty("tokens").GetInt32(), 4, 48);
            // Same weights, different kernels and dtype: the engines disagree a little, never wildly.
            Assert.InRange(bf16.GetProperty("mean_abs_prob_diff").GetDouble(), 1e-9, 0.1);
            Assert.True(File.Exists(Path.Combine(report, "mismatch.html")));
        }
        finally
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, true);
        }
    }
}
