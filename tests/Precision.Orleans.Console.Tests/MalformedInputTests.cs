using System.Security.Cryptography;
using Xunit;

namespace Precision.Orleans.Console.Tests;

/// <summary>
/// Issue 14's acceptance test: the real <c>precision</c> executable on each malformed input exits with code 2, writes
/// exactly one line naming the problem (no stack trace, no help dump), changes no file outside the command's own
/// output, and finishes within seconds.
/// </summary>
public sealed class MalformedInputTests(ConsoleFixture fixture) : IClassFixture<ConsoleFixture>
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(15);

    public static TheoryData<string> Names()
    {
        var names = new TheoryData<string>();
        foreach (var c in MalformedInputCases.All) names.Add(c.Name);
        return names;
    }

    [Fact]
    public void There_are_at_least_sixty_distinct_cases() =>
        Assert.True(MalformedInputCases.All.Select(c => c.Name).Distinct().Count() >= 60 &&
                    MalformedInputCases.All.Select(c => c.Name).Distinct().Count() == MalformedInputCases.All.Count);

    [Theory]
    [MemberData(nameof(Names))]
    public void A_malformed_input_is_refused_in_one_line_with_exit_code_2(string name)
    {
        var input = MalformedInputCases.All.Single(c => c.Name == name);
        string dir = fixture.NewCaseDirectory(name);
        input.Setup?.Invoke(dir);
        var before = Snapshot(dir, input.Output);

        var result = PrecisionProcess.Run(dir, input.Args, Limit);

        string all = result.Stdout + result.Stderr;
        Assert.False(result.TimedOut, $"{name}: still running after {Limit.TotalSeconds} s");
        Assert.True(result.ExitCode == 2, $"{name}: exit {result.ExitCode}\n{all}");
        var lines = result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.True(lines.Length == 1, $"{name}: expected one line on stderr, got {lines.Length}:\n{result.Stderr}");
        Assert.StartsWith("precision", lines[0], StringComparison.Ordinal);
        Assert.Contains(input.Names, lines[0], StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("   at ", all, StringComparison.Ordinal);
        Assert.DoesNotContain("Unhandled exception", all, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("Usage:", all, StringComparison.Ordinal);
        Assert.DoesNotContain("\u001b[", all, StringComparison.Ordinal);
        Assert.True(result.Elapsed < TimeSpan.FromSeconds(10), $"{name}: took {result.Elapsed.TotalSeconds:F1} s");
        var after = Snapshot(dir, input.Output);
        Assert.Equal(before.Keys.Order(), after.Keys.Order());
        foreach (var (path, hash) in before) Assert.True(after[path] == hash, $"{name}: {path} changed");
    }

    [Fact]
    public void Verbose_adds_the_stack_trace_below_the_one_line_message()
    {
        string dir = fixture.NewCaseDirectory("verbose");
        var quiet = PrecisionProcess.Run(dir, ["inspect", "nope"], Limit);
        var verbose = PrecisionProcess.Run(dir, ["inspect", "nope", "--verbose"], Limit);
        Assert.Equal(2, quiet.ExitCode);
        Assert.Equal(2, verbose.ExitCode);
        Assert.DoesNotContain("   at ", quiet.Stderr, StringComparison.Ordinal);
        Assert.StartsWith(quiet.Stderr.Trim(), verbose.Stderr.Trim(), StringComparison.Ordinal);
        Assert.Contains("   at ", verbose.Stderr, StringComparison.Ordinal);
    }

    /// <summary>SHA-256 of every file under <paramref name="dir"/> except the command's output (<paramref name="output"/>).</summary>
    private static Dictionary<string, string> Snapshot(string dir, string output)
    {
        string excluded = Path.GetFullPath(Path.Combine(dir, output));
        return Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories)
            .Where(f => !Path.GetFullPath(f).StartsWith(excluded + Path.DirectorySeparatorChar, StringComparison.Ordinal) && Path.GetFullPath(f) != excluded)
            .ToDictionary(f => Path.GetRelativePath(dir, f), f => Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(f))));
    }
}
