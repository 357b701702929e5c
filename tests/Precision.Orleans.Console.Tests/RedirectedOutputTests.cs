using System.Text.RegularExpressions;
using Xunit;

namespace Precision.Orleans.Console.Tests;

/// <summary>Output piped to a file or a program: no ANSI codes, lines not wrapped, numbers in one format.</summary>
public sealed partial class RedirectedOutputTests(ConsoleFixture fixture) : IClassFixture<ConsoleFixture>
{
    [Theory]
    [InlineData("inspect", "model")]
    [InlineData("train", "run.yaml", "--out", "out")]
    [InlineData("mismatch", "--model", "base", "--tasks", "add", "--prompts", "2", "--samples", "2", "--max-new-tokens", "8", "--out", "out")]
    public void Redirected_output_is_plain_text_with_one_number_format(params string[] args)
    {
        string dir = fixture.NewCaseDirectory("plain-" + args[0]);
        var result = PrecisionProcess.Run(dir, args, TimeSpan.FromSeconds(60));
        Assert.True(result.ExitCode == 0, result.Stdout + result.Stderr);
        Assert.DoesNotContain("\u001b[", result.Stdout, StringComparison.Ordinal);
        // 4.9e-07, never 4.88E-007 (or 4.88E-7) beside -0.0001622.
        Assert.False(UpperCaseExponent().IsMatch(result.Stdout), result.Stdout);
    }

    [GeneratedRegex(@"\d[Ee][+-]?0\d\d|\dE[+-]\d")]
    private static partial Regex UpperCaseExponent();
}
