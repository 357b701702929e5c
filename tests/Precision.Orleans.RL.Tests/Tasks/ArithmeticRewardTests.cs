using Xunit;
using Precision.Orleans.RL.Tasks;

namespace Precision.Orleans.RL.Tests.Tasks;

public sealed class ArithmeticRewardTests
{
    private static readonly Problem Problem = new("p", "add 4821+377:", "5198", 4);
    private readonly ArithmeticReward _reward = new();

    [Fact]
    public void CorrectFinalAnswerEarnsOne() =>
        Assert.Equal(1.0, _reward.Reward(Problem, " 1+7=8; 2+7=9; 8+3=11 carry 1; 4+0+1=5; answer 5198"));

    [Theory]
    [InlineData(" 1+7=8; 2+7=9; 8+3=11 carry 1; 4+0+1=5; answer 5199")] // wrong answer
    [InlineData(" 1+7=8; 2+7=9; 8+3=11 carry 1; 4+0+1=5; answer 05198")] // not exactly the reference
    [InlineData(" 1+7=8; 2+7=9; 8+3=11 carry 1; 4+0+1=5; answer 519")] // truncated inside the answer
    [InlineData(" 1+7=8; 2+7=9; 8+3=11 carry")] // truncated inside the working
    [InlineData("")] // empty
    [InlineData(" 1+7=8; answer 5198; 2+7=9;")] // answer not at the end
    [InlineData(" 1+7=8; answer 5198 answer 5198")] // malformed tail
    [InlineData(" 1+7=8;answer 5198")] // not the fixed form
    [InlineData(" 1+7=8; answer: 5198")] // not the fixed form
    [InlineData(" 1+7=8; answer 51 98")] // malformed number
    public void AnythingElseEarnsZero(string response) => Assert.Equal(0.0, _reward.Reward(Problem, response));

    [Fact]
    public void TheWorkingItselfIsNotChecked() =>
        // The reward is outcome-only, as in the paper: a wrong step with the right final answer still earns 1.
        Assert.Equal(1.0, _reward.Reward(Problem, " 9+9=3; answer 5198"));
}
