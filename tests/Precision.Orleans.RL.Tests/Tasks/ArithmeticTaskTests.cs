using System.Globalization;
using System.Text.RegularExpressions;
using Xunit;
using Precision.Orleans.Engine.Text;
using Precision.Orleans.RL.Tasks;

namespace Precision.Orleans.RL.Tests.Tasks;

public sealed class ArithmeticTaskTests
{
    private readonly ArithmeticTask _task = new();

    [Fact]
    public void GenerationIsDeterministicFromTheSeed()
    {
        var a = _task.Generate(50, seed: 7, difficulty: 5);
        var b = _task.Generate(50, seed: 7, difficulty: 5);
        var c = _task.Generate(50, seed: 8, difficulty: 5);
        Assert.Equal(a, b);
        Assert.NotEqual(a.Select(p => p.Prompt), c.Select(p => p.Prompt));
        Assert.Equal(50, a.Select(p => p.Id).Distinct().Count());
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(8)]
    [InlineData(17)]
    public void OperandsRespectTheDifficultyAndAllOperationsAppear(int difficulty)
    {
        var problems = _task.Generate(300, seed: 1, difficulty);
        var parsed = problems.Select(p => ArithmeticProblem.Parse(p.Prompt)).ToList();
        Assert.All(parsed, p => Assert.True(p.Left.ToString(CultureInfo.InvariantCulture).Length <= difficulty));
        Assert.All(parsed, p => Assert.True(p.Right.ToString(CultureInfo.InvariantCulture).Length <= Math.Max(1, difficulty)));
        Assert.Equal(3, parsed.Select(p => p.Operation).Distinct().Count());
        Assert.All(problems, p => Assert.Equal(difficulty, p.Difficulty));
        if (difficulty >= 3) Assert.Contains(parsed, p => p.Left.ToString(CultureInfo.InvariantCulture).Length == difficulty);
    }

    [Fact]
    public void EveryWorkedSolutionStepIsCorrectArithmetic()
    {
        var tokenizer = new CharTokenizer(_task.Alphabet);
        for (int d = 1; d <= 12; d++)
        {
            foreach (Problem problem in _task.Generate(60, seed: 100 + d, difficulty: d))
            {
                string solution = _task.WorkedSolution(problem);
                tokenizer.Encode(problem.Prompt + solution); // every character is in the alphabet
                var p = ArithmeticProblem.Parse(problem.Prompt);
                long rebuilt = p.Operation switch
                {
                    ArithmeticOperation.Add => CheckAddition(p, solution),
                    ArithmeticOperation.Subtract => CheckSubtraction(p, solution),
                    _ => CheckMultiplication(p, solution),
                };
                long expected = p.Operation switch
                {
                    ArithmeticOperation.Add => p.Left + p.Right,
                    ArithmeticOperation.Subtract => p.Left - p.Right,
                    _ => p.Left * p.Right,
                };
                Assert.Equal(expected, rebuilt);
                Assert.Equal(expected.ToString(CultureInfo.InvariantCulture), problem.Answer);
                Assert.EndsWith("; answer " + problem.Answer, solution);
                Assert.Equal(1.0, _task.Reward.Reward(problem, solution));
            }
        }
    }

    [Fact]
    public void WorkedSolutionsMatchTheDocumentedExamples()
    {
        Assert.Equal(" 1+7=8; 2+7=9; 8+3=11 carry 1; 4+0+1=5; answer 5198",
            ArithmeticWorking.Write(new ArithmeticProblem(ArithmeticOperation.Add, 4821, 377)));
        Assert.Equal(" 12-7=5 borrow 1; 11-8-1=2 borrow 1; 5-3-1=1; answer 125",
            ArithmeticWorking.Write(new ArithmeticProblem(ArithmeticOperation.Subtract, 512, 387)));
        Assert.Equal(" 2*7=14 carry 1; 8*7+1=57 carry 5; 4*7+5=33 carry 3; 3; answer 3374",
            ArithmeticWorking.Write(new ArithmeticProblem(ArithmeticOperation.Multiply, 482, 7)));
    }

    [Fact]
    public void ResponsesRunFromTensToHundredsOfTokens()
    {
        int shortest = _task.Generate(200, 3, 1).Min(p => _task.WorkedSolution(p).Length);
        int longest = _task.Generate(200, 3, 16).Max(p => _task.WorkedSolution(p).Length);
        Assert.InRange(shortest, 10, 30);
        Assert.InRange(longest, 200, 400);
    }

    [Theory]
    [InlineData("add 1+2")]
    [InlineData("add 1-2:")]
    [InlineData("sub 3-5:")]
    [InlineData("mul 12*34:")]
    [InlineData("div 4/2:")]
    public void MalformedPromptsAreRefusedNamingThePrompt(string prompt)
    {
        var e = Assert.Throws<FormatException>(() => ArithmeticProblem.Parse(prompt));
        Assert.Contains(prompt, e.Message);
    }

    [Fact]
    public void BadDifficultyIsRefused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => _task.Generate(1, 0, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => _task.Generate(1, 0, ArithmeticTask.MaxDifficulty + 1));
    }

    private static List<Match> Steps(string solution, string pattern)
    {
        string working = solution[..solution.LastIndexOf(" answer ", StringComparison.Ordinal)];
        var steps = working.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return [.. steps.Select(s => Regex.Match(s, pattern))];
    }

    private static long Digit(long n, int column) => n / (long)Math.Pow(10, column) % 10;

    private static long CheckAddition(ArithmeticProblem p, string solution)
    {
        var steps = Steps(solution, @"^(?:(\d)\+(\d)(\+1)?=(\d+)( carry 1)?|(1))$");
        long carry = 0, result = 0, place = 1;
        for (int column = 0; column < steps.Count; column++, place *= 10)
        {
            Match m = steps[column];
            Assert.True(m.Success, solution);
            if (m.Groups[6].Success)
            {
                Assert.Equal(column, steps.Count - 1);
                Assert.Equal(1, carry);
                result += place;
                continue;
            }
            long x = long.Parse(m.Groups[1].Value), y = long.Parse(m.Groups[2].Value), sum = long.Parse(m.Groups[4].Value);
            Assert.Equal(Digit(p.Left, column), x);
            Assert.Equal(Digit(p.Right, column), y);
            Assert.Equal(carry == 1, m.Groups[3].Success);
            Assert.Equal(x + y + carry, sum);
            carry = sum / 10;
            Assert.Equal(carry == 1, m.Groups[5].Success);
            result += sum % 10 * place;
        }
        return result;
    }

    private static long CheckSubtraction(ArithmeticProblem p, string solution)
    {
        var steps = Steps(solution, @"^(\d+)-(\d)(-1)?=(\d)( borrow 1)?$");
        long borrow = 0, result = 0, place = 1;
        for (int column = 0; column < steps.Count; column++, place *= 10)
        {
            Match m = steps[column];
            Assert.True(m.Success, solution);
            long top = long.Parse(m.Groups[1].Value), y = long.Parse(m.Groups[2].Value), diff = long.Parse(m.Groups[4].Value);
            bool borrows = m.Groups[5].Success;
            Assert.Equal(Digit(p.Left, column) + (borrows ? 10 : 0), top);
            Assert.Equal(Digit(p.Right, column), y);
            Assert.Equal(borrow == 1, m.Groups[3].Success);
            Assert.Equal(top - y - borrow, diff);
            borrow = borrows ? 1 : 0;
            result += diff * place;
        }
        Assert.Equal(0, borrow);
        return result;
    }

    private static long CheckMultiplication(ArithmeticProblem p, string solution)
    {
        var steps = Steps(solution, @"^(?:(\d)\*(\d)(?:\+(\d))?=(\d+)(?: carry (\d))?|(\d))$");
        long carry = 0, result = 0, place = 1;
        for (int column = 0; column < steps.Count; column++, place *= 10)
        {
            Match m = steps[column];
            Assert.True(m.Success, solution);
            if (m.Groups[6].Success)
            {
                Assert.Equal(column, steps.Count - 1);
                Assert.Equal(carry, long.Parse(m.Groups[6].Value));
                result += carry * place;
                continue;
            }
            long x = long.Parse(m.Groups[1].Value), d = long.Parse(m.Groups[2].Value), product = long.Parse(m.Groups[4].Value);
            Assert.Equal(Digit(p.Left, column), x);
            Assert.Equal(p.Right, d);
            Assert.Equal(carry, m.Groups[3].Success ? long.Parse(m.Groups[3].Value) : 0);
            Assert.Equal(x * d + carry, product);
            carry = product / 10;
            Assert.Equal(carry, m.Groups[5].Success ? long.Parse(m.Groups[5].Value) : 0);
            result += product % 10 * place;
        }
        return result;
    }
}
