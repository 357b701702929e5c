using System.Text.RegularExpressions;

namespace Precision.Orleans.RL.Tasks;

/// <summary>
/// Finds the final answer in a free-form math response: the last <c>\boxed{…}</c> (braces may nest),
/// else what follows the last "answer is", else the last number in the text.
/// </summary>
public static partial class MathAnswerExtraction
{
    public static string? Extract(string response)
    {
        ArgumentNullException.ThrowIfNull(response);
        string? boxed = LastBoxed(response);
        if (boxed is not null) return boxed;
        MatchCollection answerIs = AnswerIsPattern().Matches(response);
        if (answerIs.Count > 0) return answerIs[^1].Groups[1].Value.Trim();
        MatchCollection numbers = NumberPattern().Matches(response);
        return numbers.Count > 0 ? numbers[^1].Value : null;
    }

    /// <summary>The content of the last <c>\boxed{…}</c> (or <c>\fbox{…}</c>), matching nested braces; null if none or unclosed.</summary>
    public static string? LastBoxed(string text)
    {
        int start = Math.Max(text.LastIndexOf(@"\boxed{", StringComparison.Ordinal), text.LastIndexOf(@"\fbox{", StringComparison.Ordinal));
        if (start < 0) return null;
        int open = text.IndexOf('{', start);
        int depth = 0;
        for (int i = open; i < text.Length; i++)
        {
            if (text[i] == '{') depth++;
            else if (text[i] == '}' && --depth == 0) return text.Substring(open + 1, i - open - 1);
        }
        return null;
    }

    // "the answer is 42." / "Answer is: $\frac{1}{2}$" — take the rest of that line, the verifier normalises it.
    // The answer runs to the end of its sentence (". ") or line.
    [GeneratedRegex(@"answer\s+is\s*:?\s*([^\n]+?)(?:\.\s|\.?[ \t]*$)", RegexOptions.IgnoreCase | RegexOptions.Multiline)]
    private static partial Regex AnswerIsPattern();

    // A comma inside a number ("1,000") belongs to it; one after it ("3, 4") does not.
    [GeneratedRegex(@"[-+]?(?:\d(?:[\d,]*\d)?(?:\.\d+)?|\.\d+)(?:/\d+)?")]
    private static partial Regex NumberPattern();
}
