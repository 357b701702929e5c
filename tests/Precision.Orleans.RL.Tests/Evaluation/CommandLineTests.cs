using System.CommandLine;
using Xunit;
using Precision.Orleans.Client.Commands;
using Precision.Orleans.Client.Evaluation;

namespace Precision.Orleans.RL.Tests.Evaluation;

// Spectre.Console live displays are process-wide and exclusive: console-running tests share one collection.
[Collection(ConsoleTests.Collection)]
public sealed class CommandLineTests
{
    private static int Invoke(params string[] args)
    {
        return ConsoleMain.Run(args);
    }

    [Theory]
    [InlineData("sanity-set", "--model", "m", "--min", "0.9", "--max", "0.1")]
    [InlineData("sanity-set", "--model", "m", "--max", "1.5")]
    [InlineData("sanity-set", "--model", "m", "--samples", "0")]
    [InlineData("sanity-set", "--model", "m", "--task", "chess")]
    [InlineData("sanity-set", "--model", "m", "--task", "arithmetic", "--problems", "p.jsonl")]
    [InlineData("sanity-set", "--model", "/nonexistent/model")]
    [InlineData("eval", "--model", "m", "--k", "0")]
    [InlineData("eval", "--model", "m", "--top-p", "0")]
    [InlineData("eval", "--model", "m", "--difficulty", "99")]
    [InlineData("pretrain", "--out", "o", "--task", "chess")]
    [InlineData("pretrain", "--out", "o", "--steps", "-1")]
    public void BadArgumentsExitWithTheUserErrorCode(params string[] args) => Assert.Equal(UserErrors.ExitCode, Invoke(args));

    [Theory]
    [InlineData("sanity-set", "--model", "m", "--dtype", "fp8")]
    [InlineData("eval", "--k", "3")]
    [InlineData("pretrain", "--steps", "many")]
    public void UnparsableArgumentsAreRefusedByTheParser(params string[] args) => Assert.Equal(UserErrors.ExitCode, Invoke(args));

    [Fact]
    public void ValidationMessagesNameTheProblem()
    {
        var bounds = new SanitySetSettings { ModelDirectory = "m", Min = 0.9, Max = 0.1 };
        Assert.Contains("--min (0.9) must be <= --max (0.1)", Assert.Throws<ArgumentException>(() => bounds.Validate()).Message);
        var both = new EvalSettings { ModelDirectory = "m", Source = new ProblemSource { ProblemsFile = "f", Task = "arithmetic" } };
        Assert.Contains("either --problems", Assert.Throws<ArgumentException>(() => both.Validate()).Message);
        var unknown = new EvalSettings { ModelDirectory = "m", Source = new ProblemSource { Task = "chess" } };
        Assert.Contains("tasks: arithmetic", Assert.Throws<ArgumentException>(() => unknown.Validate()).Message);
        Assert.Equal(Path.Combine("d", "set.all.jsonl"), new SanitySetSettings { ModelDirectory = "m", Output = Path.Combine("d", "set.jsonl") }.AllPath);
    }
}
