using System.Text.RegularExpressions;
using Precision.Orleans.Engine.Data;
using Xunit;

namespace Precision.Orleans.Engine.Tests.Data;

public class SyntheticCorpusTests
{
    [Fact]
    public void Same_seed_gives_the_same_examples_and_another_seed_differs()
    {
        var a = new SyntheticCorpus(7).Take(50);
        var b = new SyntheticCorpus(7).Take(50);
        var c = new SyntheticCorpus(8).Take(50);
        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
    }

    [Fact]
    public void Every_example_is_encodable_and_covers_all_tasks_and_a_wide_range_of_lengths()
    {
        var tok = SyntheticCorpus.CreateTokenizer();
        var examples = new SyntheticCorpus(1).Take(2000);
        foreach (var e in examples)
        {
            Assert.Equal(e.Prompt + e.Response, tok.Decode(e.FullTokens(tok)));
            Assert.Equal(e.PromptTokens(tok).Length + e.ResponseTokens(tok).Length, e.FullTokens(tok).Length);
        }
        Assert.Equal(["add", "count", "list", "story"], examples.Select(e => e.Task).Distinct().Order());
        var lengths = examples.Select(e => e.ResponseTokens(tok).Length).ToArray();
        Assert.True(lengths.Min() <= 12, $"shortest response {lengths.Min()}");
        Assert.True(lengths.Max() >= 150, $"longest response {lengths.Max()}");
        Assert.True(lengths.Max() <= 260, $"longest response {lengths.Max()}");
    }

    [Fact]
    public void Take_by_task_keeps_only_those_tasks_and_rejects_unknown_ones()
    {
        var stories = new SyntheticCorpus(2).Take(20, ["story", "list"]);
        Assert.Equal(20, stories.Count);
        Assert.All(stories, e => Assert.Contains(e.Task, new[] { "story", "list" }));
        Assert.Contains("'poem'", Assert.Throws<ArgumentException>(() => new SyntheticCorpus(2).Take(1, ["poem"])).Message);
    }

    [Fact]
    public void Worked_addition_ends_with_the_correct_sum()
    {
        var corpus = new SyntheticCorpus(3);
        for (int i = 0; i < 200; i++)
        {
            var e = corpus.Addition();
            var m = Regex.Match(e.Prompt, @"^add (\d+)\+(\d+):$");
            Assert.True(m.Success, e.Prompt);
            int sum = int.Parse(m.Groups[1].Value) + int.Parse(m.Groups[2].Value);
            Assert.EndsWith($"= {sum}", e.Response);
        }
    }

    [Fact]
    public void Addition_shows_carries()
    {
        // Find an example that must carry and check its worked column.
        var corpus = new SyntheticCorpus(5);
        var e = Enumerable.Range(0, 500).Select(_ => corpus.Addition()).First(x => x.Prompt == "add 48+79:" || x.Response.Contains("carry"));
        Assert.Contains("carry 1;", e.Response);
    }

    [Fact]
    public void Saga_is_long_form_and_only_drawn_when_asked_for()
    {
        var sagas = new SyntheticCorpus(3).Take(40, ["saga"]);
        Assert.All(sagas, e => Assert.Equal("saga", e.Task));
        Assert.All(sagas, e => Assert.InRange(e.Response.Length, 400, 2200));
        Assert.True(sagas.Average(e => e.Response.Length) > 800, "sagas should average well over 800 characters");
        Assert.DoesNotContain(new SyntheticCorpus(3).Take(500), e => e.Task == "saga");
        var mixed = new SyntheticCorpus(4).Take(400, ["saga", "add"]);
        Assert.InRange(mixed.Count(e => e.Task == "saga"), 120, 280);
        Assert.Contains("'epic'", Assert.Throws<ArgumentException>(() => new SyntheticCorpus(2).Next(["epic"])).Message);
    }
}
