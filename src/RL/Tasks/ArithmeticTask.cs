namespace Precision.Orleans.RL.Tasks;

/// <summary>
/// Multi-digit arithmetic with a written-out working (<see cref="ArithmeticWorking"/>): addition,
/// subtraction and multiplication by one digit, in equal shares. Difficulty d draws each multi-digit
/// operand with 1..d digits (uniformly), so responses run from about 10 tokens (d = 1) to a few
/// hundred (d ≈ 16); the model must carry every column right to earn the reward.
/// </summary>
public sealed class ArithmeticTask : IProblemTask
{
    public const string TaskName = "arithmetic";

    /// <summary>Operands stay below 10^17 so that every result fits a long.</summary>
    public const int MaxDifficulty = 17;

    public int HighestDifficulty => MaxDifficulty;

    public string Name => TaskName;

    public string Alphabet => " 0123456789+-*=:;abcdelmnorsuwy";

    public IRewardFunction Reward { get; } = new ArithmeticReward();

    public IReadOnlyList<Problem> Generate(int count, int seed, int difficulty)
    {
        if (count < 0) throw new ArgumentOutOfRangeException(nameof(count), count, "arithmetic: count must be >= 0");
        if (difficulty < 1 || difficulty > MaxDifficulty)
            throw new ArgumentOutOfRangeException(nameof(difficulty), difficulty, $"arithmetic: difficulty must be in 1..{MaxDifficulty}");
        var random = new Random(seed);
        var problems = new List<Problem>(count);
        for (int i = 0; i < count; i++)
        {
            ArithmeticProblem p = Draw(random, difficulty);
            problems.Add(new Problem($"arith-{seed}-{i}", p.Prompt, p.Result.ToString(System.Globalization.CultureInfo.InvariantCulture), difficulty));
        }
        return problems;
    }

    public string WorkedSolution(Problem problem) => ArithmeticWorking.Write(ArithmeticProblem.Parse(problem.Prompt));

    private static ArithmeticProblem Draw(Random random, int difficulty)
    {
        var op = (ArithmeticOperation)random.Next(3);
        long a = Operand(random, difficulty);
        if (op == ArithmeticOperation.Multiply) return new ArithmeticProblem(op, a, random.Next(2, 10));
        long b = Operand(random, difficulty);
        if (op == ArithmeticOperation.Subtract && a < b) (a, b) = (b, a);
        return new ArithmeticProblem(op, a, b);
    }

    /// <summary>A number with 1..<paramref name="maxDigits"/> digits (no leading zero).</summary>
    private static long Operand(Random random, int maxDigits)
    {
        int digits = random.Next(1, maxDigits + 1);
        long low = digits == 1 ? 0 : Pow10(digits - 1);
        return random.NextInt64(low, Pow10(digits));
    }

    private static long Pow10(int n)
    {
        long v = 1;
        for (int i = 0; i < n; i++) v *= 10;
        return v;
    }
}
