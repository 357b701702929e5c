namespace Precision.Orleans.RL.Tasks;

/// <summary>
/// A generator of verifiable problems: seeded problem generation with a difficulty knob, the worked
/// solution a base policy is pretrained on, and the reward that checks a response.
/// </summary>
public interface IProblemTask
{
    /// <summary>The catalog name (e.g. "arithmetic").</summary>
    string Name { get; }

    /// <summary>Every character a prompt or a worked solution can contain (the char tokenizer's alphabet).</summary>
    string Alphabet { get; }

    /// <summary>The reward that checks a response to one of this task's problems.</summary>
    IRewardFunction Reward { get; }

    /// <summary>The largest difficulty <see cref="Generate"/> accepts (difficulties start at 1).</summary>
    int HighestDifficulty => int.MaxValue;

    /// <summary><paramref name="count"/> problems, a pure function of (count, seed, difficulty).</summary>
    IReadOnlyList<Problem> Generate(int count, int seed, int difficulty);

    /// <summary>The complete correct response to <paramref name="problem"/> (working and final answer), without special tokens.</summary>
    string WorkedSolution(Problem problem);
}
