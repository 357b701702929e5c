using System.Globalization;
using System.Text.RegularExpressions;

namespace Precision.Orleans.RL.Tasks;

/// <summary>The operands of an arithmetic prompt ("add 4821+377:"), parsed back from its text.</summary>
public sealed partial record ArithmeticProblem(ArithmeticOperation Operation, long Left, long Right)
{
    public long Result => Operation switch
    {
        ArithmeticOperation.Add => Left + Right,
        ArithmeticOperation.Subtract => Left - Right,
        _ => Left * Right,
    };

    public string Prompt => Operation switch
    {
        ArithmeticOperation.Add => $"add {Left}+{Right}:",
        ArithmeticOperation.Subtract => $"sub {Left}-{Right}:",
        _ => $"mul {Left}*{Right}:",
    };

    /// <summary>Parses a prompt written by <see cref="Prompt"/>; throws naming the prompt otherwise.</summary>
    public static ArithmeticProblem Parse(string prompt)
    {
        Match m = PromptPattern().Match(prompt);
        if (!m.Success)
            throw new FormatException($"arithmetic: prompt \"{prompt}\" is not of the form \"add A+B:\", \"sub A-B:\" or \"mul A*D:\"");
        var op = m.Groups[1].Value switch
        {
            "add" => ArithmeticOperation.Add,
            "sub" => ArithmeticOperation.Subtract,
            _ => ArithmeticOperation.Multiply,
        };
        long left = long.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture);
        long right = long.Parse(m.Groups[4].Value, CultureInfo.InvariantCulture);
        string sign = m.Groups[3].Value;
        bool signMatches = (op, sign) is (ArithmeticOperation.Add, "+") or (ArithmeticOperation.Subtract, "-") or (ArithmeticOperation.Multiply, "*");
        if (!signMatches) throw new FormatException($"arithmetic: prompt \"{prompt}\": operator '{sign}' does not match '{m.Groups[1].Value}'");
        if (op == ArithmeticOperation.Subtract && left < right)
            throw new FormatException($"arithmetic: prompt \"{prompt}\": subtraction needs the larger number first");
        if (op == ArithmeticOperation.Multiply && right > 9)
            throw new FormatException($"arithmetic: prompt \"{prompt}\": multiplication is by one digit");
        return new ArithmeticProblem(op, left, right);
    }

    [GeneratedRegex(@"^(add|sub|mul) (\d{1,17})([+\-*])(\d{1,17}):$")]
    private static partial Regex PromptPattern();
}
