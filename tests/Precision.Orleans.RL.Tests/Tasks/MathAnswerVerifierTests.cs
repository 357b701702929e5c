using Xunit;
using Precision.Orleans.RL.Tasks;

namespace Precision.Orleans.RL.Tests.Tasks;

public sealed class MathAnswerVerifierTests
{
    private readonly MathAnswerVerifier _verifier = new();

    private double Score(string answer, string response) => _verifier.Reward(new Problem("q", "question", answer), response);

    [Theory]
    [InlineData("1000", "1,000")]
    [InlineData("5", "+5")]
    [InlineData("0", "-0")]
    [InlineData("0.5", "0.50")]
    [InlineData("0.5", ".5")]
    [InlineData("0.5", "1/2")]
    [InlineData("1/2", "0.5")]
    [InlineData("42", "42.")]
    [InlineData("42", "42$")]
    [InlineData("42", "$42$")]
    [InlineData("0.5", "\\frac{1}{2}")]
    [InlineData("0.5", "\\dfrac{1}{2}")]
    [InlineData("0.5", "\\frac12")]
    [InlineData("-0.75", "-\\frac{3}{4}")]
    [InlineData("1/3", "\\frac{2}{6}")]
    [InlineData("12", "12.00")]
    [InlineData("x+1", "x + 1")]
    [InlineData("5 cm", "5\\text{ cm}")]
    [InlineData("(1,2)", "\\left( 1, 2 \\right)")]
    public void EquivalentAnswersMatch(string reference, string answer)
    {
        Assert.True(MathAnswerVerifier.Equivalent(answer, reference), $"{answer} vs {reference}: {MathAnswerNormalizer.Normalize(answer)} vs {MathAnswerNormalizer.Normalize(reference)}");
        Assert.Equal(1.0, Score(reference, $"so \\boxed{{{answer}}}"));
    }

    [Theory]
    [InlineData("1000", "100")]
    [InlineData("0.5", "0.05")]
    [InlineData("1/3", "0.33")]
    [InlineData("5", "-5")]
    [InlineData("12", "1,2")]
    [InlineData("x+1", "x-1")]
    public void DifferentAnswersDoNotMatch(string reference, string answer) =>
        Assert.False(MathAnswerVerifier.Equivalent(answer, reference));

    [Fact]
    public void BoxedExtractionTakesTheLastBoxAndNestedBraces()
    {
        Assert.Equal("\\frac{1}{2}", MathAnswerExtraction.Extract("first \\boxed{3} then \\boxed{\\frac{1}{2}} done"));
        Assert.Equal(1.0, Score("0.5", "first \\boxed{3} then \\boxed{\\frac{1}{2}} done"));
        Assert.Equal(0.0, Score("3", "first \\boxed{3} then \\boxed{\\frac{1}{2}} done"));
        Assert.Null(MathAnswerExtraction.LastBoxed("unclosed \\boxed{1"));
    }

    [Fact]
    public void WithoutABoxTheLastAnswerIsPhraseThenTheLastNumberCount()
    {
        Assert.Equal(1.0, Score("7", "The answer is 3. No wait, the answer is 7. Done 9"));
        Assert.Equal(1.0, Score("1000", "we get 12 and then 1,000"));
        Assert.Equal(1.0, Score("0.5", "the answer is $\\frac{1}{2}$."));
        Assert.Equal(0.0, Score("12", "we get 12 and then 13"));
        Assert.Equal(0.0, Score("12", "no numbers here"));
    }
}
