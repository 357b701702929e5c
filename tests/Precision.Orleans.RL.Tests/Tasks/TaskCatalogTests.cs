using Xunit;
using Precision.Orleans.RL.Tasks;

namespace Precision.Orleans.RL.Tests.Tasks;

public sealed class TaskCatalogTests
{
    [Fact]
    public void ArithmeticIsListedAndFound()
    {
        Assert.Contains("arithmetic", TaskCatalog.Names);
        IProblemTask task = TaskCatalog.Get("arithmetic");
        Assert.Equal("arithmetic", task.Name);
        Assert.IsType<ArithmeticReward>(task.Reward);
    }

    [Fact]
    public void UnknownTaskErrorListsTheNames()
    {
        var e = Assert.Throws<ArgumentException>(() => TaskCatalog.Get("chess"));
        Assert.Contains("chess", e.Message);
        Assert.Contains("arithmetic", e.Message);
    }

    [Fact]
    public void RewardForPicksTheTaskRewardElseTheMathVerifier()
    {
        Assert.IsType<ArithmeticReward>(RewardFunctions.For("arithmetic"));
        Assert.IsType<MathAnswerVerifier>(RewardFunctions.For(null));
        Assert.IsType<MathAnswerVerifier>(RewardFunctions.For("gsm8k"));
    }
}
