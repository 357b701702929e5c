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
    [InlineData("sanity-set", "--model", "base", "--count", "4", "--samples", "2", "--out", "set.jsonl")]
    public void Redirected_output_is_plain_text_with_one_number_format(params string[] args)
    {
        string dir = fixture.NewCaseDirectory("plain-" + args[0]);
        var result = PrecisionProcess.Run(dir, args, TimeSpan.FromSeconds(60));
        Assert.True(result.ExitCode == 0, result.Stdout + result.Stderr);
        Assert.DoesNotContain("\u001b[", result.Stdout, StringComparison.Ordinal);
        // Tables are padded to the console width: an unbounded width once wrote 35M spaces per line (a 394 MB log).
        Assert.All(result.Stdout.Split('\n'), line => Assert.True(line.Length <= 1000, $"a {line.Length}-character line"));
        // 4.9e-07, never 4.88E-007 (or 4.88E-7) beside -0.0001622.
        Assert.False(UpperCaseExponent().IsMatch(result.Stdout), result.Stdout);
    }

    [Fact]
    public void Help_shows_dtype_policy_and_device_values_as_users_type_them()
    {
        string dir = fixture.NewCaseDirectory("help");
        var mismatch = PrecisionProcess.Run(dir, ["mismatch", "--help"], TimeSpan.FromSeconds(30));
        var trainLm = PrecisionProcess.Run(dir, ["train-lm", "--help"], TimeSpan.FromSeconds(30));
        Assert.Equal(0, mismatch.ExitCode);
        Assert.Contains("<refuse|clamp>", mismatch.Stdout, StringComparison.Ordinal);
        Assert.Contains("[default: refuse]", mismatch.Stdout, StringComparison.Ordinal);
        Assert.Contains("[default: fp32,bf16,fp16]", mismatch.Stdout, StringComparison.Ordinal);
        Assert.Contains("--dtype <fp32|bf16|fp16>", trainLm.Stdout, StringComparison.Ordinal);
        Assert.Contains("--device <cpu|cuda>", trainLm.Stdout, StringComparison.Ordinal);
        foreach (string enumName in new[] { "Fp16", "Bf16", "Fp32", "Refuse", "Clamp", "Cuda" })
            Assert.DoesNotContain(enumName, mismatch.Stdout + trainLm.Stdout, StringComparison.Ordinal);
    }

    [GeneratedRegex(@"\d[Ee][+-]?0\d\d|\dE[+-]\d")]
    private static partial Regex UpperCaseExponent();
}
