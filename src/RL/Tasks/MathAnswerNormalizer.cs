using System.Globalization;
using System.Numerics;
using System.Text.RegularExpressions;

namespace Precision.Orleans.RL.Tasks;

/// <summary>
/// Brings a math answer to a canonical form so that equal answers compare equal as strings:
/// numbers ("1,000", "+5", "-0", "0.50", ".5", "1/2", "\frac{1}{2}", "\dfrac12", trailing "." or "$")
/// become an exact reduced value; anything else is compared after stripping whitespace, "$", and
/// <c>\text{…}</c>, <c>\left</c>/<c>\right</c> and similar LaTeX wrappers.
/// </summary>
public static partial class MathAnswerNormalizer
{
    public static string Normalize(string answer)
    {
        ArgumentNullException.ThrowIfNull(answer);
        string stripped = Strip(answer);
        return TryNumber(stripped, out string number) ? number : stripped;
    }

    /// <summary>Whitespace, math-mode dollars, \text{}/\mathrm{} wrappers, \left \right, \! \, spacing and a trailing '.' removed.</summary>
    internal static string Strip(string s)
    {
        s = TextWrapperPattern().Replace(s, "$1");
        s = s.Replace(@"\left", "", StringComparison.Ordinal).Replace(@"\right", "", StringComparison.Ordinal)
             .Replace(@"\!", "", StringComparison.Ordinal).Replace(@"\,", "", StringComparison.Ordinal)
             .Replace(@"\;", "", StringComparison.Ordinal).Replace("$", "", StringComparison.Ordinal)
             .Replace(@"\dfrac", @"\frac", StringComparison.Ordinal).Replace(@"\tfrac", @"\frac", StringComparison.Ordinal);
        s = WhitespacePattern().Replace(s, "");
        return s.TrimEnd('.');
    }

    /// <summary>A number as an exact fraction in lowest terms, written as a decimal when it terminates ("0.5"), else "p/q".</summary>
    internal static bool TryNumber(string s, out string canonical)
    {
        canonical = "";
        Match frac = LatexFractionPattern().Match(s);
        if (frac.Success)
        {
            string num = frac.Groups[2].Success ? frac.Groups[2].Value : frac.Groups[3].Value;
            string den = frac.Groups[4].Success ? frac.Groups[4].Value : frac.Groups[5].Value;
            s = frac.Groups[1].Value + num + "/" + den;
        }
        Match m = NumberPattern().Match(s);
        if (!m.Success) return false;
        if (!TryDecimal(m.Groups[2].Value, out BigInteger p, out BigInteger q)) return false;
        if (m.Groups[3].Success)
        {
            if (!TryDecimal(m.Groups[3].Value, out BigInteger p2, out BigInteger q2) || p2.IsZero) return false;
            (p, q) = (p * q2, q * p2);
        }
        if (m.Groups[1].Value == "-") p = -p;
        canonical = Format(p, q);
        return true;
    }

    private static bool TryDecimal(string text, out BigInteger numerator, out BigInteger denominator)
    {
        numerator = 0;
        denominator = 1;
        text = text.Replace(",", "", StringComparison.Ordinal);
        int dot = text.IndexOf('.');
        string digits = dot < 0 ? text : text.Remove(dot, 1);
        if (digits.Length == 0) return false;
        numerator = BigInteger.Parse(digits, CultureInfo.InvariantCulture);
        if (dot >= 0) denominator = BigInteger.Pow(10, text.Length - dot - 1);
        return true;
    }

    private static string Format(BigInteger p, BigInteger q)
    {
        if (q.Sign < 0) (p, q) = (-p, -q);
        BigInteger g = BigInteger.GreatestCommonDivisor(p, q);
        if (!g.IsZero) (p, q) = (p / g, q / g);
        if (p.IsZero) return "0";
        // A terminating decimal (q = 2^a·5^b) is written as one, so "1/2" and "0.5" meet.
        BigInteger rest = q;
        int twos = 0, fives = 0;
        while (rest % 2 == 0) { rest /= 2; twos++; }
        while (rest % 5 == 0) { rest /= 5; fives++; }
        if (!rest.IsOne) return $"{p}/{q}";
        int places = Math.Max(twos, fives);
        BigInteger scaled = BigInteger.Abs(p) * BigInteger.Pow(10, places) / q;
        string digits = scaled.ToString(CultureInfo.InvariantCulture).PadLeft(places + 1, '0');
        string body = places == 0 ? digits : digits[..^places] + "." + digits[^places..];
        return (p.Sign < 0 ? "-" : "") + body;
    }

    [GeneratedRegex(@"\\(?:text|textbf|mathrm|mbox)\{([^{}]*)\}")]
    private static partial Regex TextWrapperPattern();

    [GeneratedRegex(@"\s+")]
    private static partial Regex WhitespacePattern();

    // \frac{a}{b} or \frac12 (single-digit shorthand), optionally signed.
    [GeneratedRegex(@"^([-+]?)\\frac(?:\{([^{}]+)\}|(\d))(?:\{([^{}]+)\}|(\d))$")]
    private static partial Regex LatexFractionPattern();

    // Commas only as thousands separators: "1,000" but not "1,2".
    [GeneratedRegex(@"^([-+]?)((?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d*)?|\.\d+)(?:/((?:\d+)(?:\.\d+)?))?$")]
    private static partial Regex NumberPattern();
}
