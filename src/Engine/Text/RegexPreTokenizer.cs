using System.Globalization;
using System.Text.RegularExpressions;

namespace Precision.Orleans.Engine.Text;

/// <summary>
/// The pre-tokenizer split: every match of the pattern is one piece and the text between matches is a piece too
/// (Hugging Face's <c>Split(behavior: Isolated)</c>; GPT-2's ByteLevel regex behaves the same way).
/// .NET's regex sees UTF-16 code units, so a character outside the BMP would look like two "other" surrogates to
/// <c>\p{L}</c>/<c>\p{N}</c>. We therefore match on a stand-in string where each such character is one BMP character
/// of the same class (letter, number, other) and map the piece boundaries back. The stand-in also writes 'ſ' (U+017F)
/// as 's' in case-insensitive patterns: Unicode case folding (Oniguruma, which Hugging Face uses, and Python's regex)
/// makes "'ſ" match the contraction "'s", .NET's case-insensitive matching does not.
/// </summary>
internal sealed class RegexPreTokenizer
{
    /// <summary>Qwen2 / Qwen2.5 / Qwen3 (and DeepSeek-R1-Distill-Qwen): digits one at a time.</summary>
    public const string Qwen2Pattern = @"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";

    /// <summary>Llama-3: digits in groups of up to three.</summary>
    public const string Llama3Pattern = @"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";

    /// <summary>GPT-2: what <c>ByteLevel(use_regex: true)</c> splits with.</summary>
    public const string Gpt2Pattern = @"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+";

    private const char LetterStandIn = 'x', NumberStandIn = '0', OtherStandIn = '\uE000';

    private const char LongS = '\u017F';

    private readonly Regex _regex;
    private readonly bool _foldsCase;

    public string Pattern { get; }

    public RegexPreTokenizer(string pattern)
    {
        Pattern = pattern;
        _regex = new Regex(pattern, RegexOptions.Compiled | RegexOptions.CultureInvariant);
        _foldsCase = pattern.Contains("(?i", StringComparison.Ordinal);
    }

    /// <summary>Appends (start, length) of each piece of text[start..start+length), in order, to <paramref name="pieces"/>.</summary>
    public void Split(string text, int start, int length, List<(int Start, int Length)> pieces)
    {
        ReadOnlySpan<char> span = text.AsSpan(start, length);
        if (span.IndexOfAnyInRange('\uD800', '\uDFFF') < 0 && !(_foldsCase && span.Contains(LongS)))
        {
            SplitBmp(span, start, null, pieces);
            return;
        }
        var (standIn, offsets) = StandIn(span);
        SplitBmp(standIn, start, offsets, pieces);
    }

    private void SplitBmp(ReadOnlySpan<char> text, int origin, int[]? offsets, List<(int Start, int Length)> pieces)
    {
        int last = 0;
        foreach (ValueMatch m in _regex.EnumerateMatches(text))
        {
            if (m.Length == 0) continue;
            if (m.Index > last) Add(last, m.Index);
            Add(m.Index, m.Index + m.Length);
            last = m.Index + m.Length;
        }
        if (last < text.Length) Add(last, text.Length);

        void Add(int from, int to)
        {
            if (offsets is not null) (from, to) = (offsets[from], offsets[to]);
            pieces.Add((origin + from, to - from));
        }
    }

    /// <summary>The text with each surrogate pair replaced by one stand-in, and the original offset of every stand-in index (plus the end).</summary>
    private (string Text, int[] Offsets) StandIn(ReadOnlySpan<char> text)
    {
        var chars = new char[text.Length];
        var offsets = new int[text.Length + 1];
        int n = 0;
        for (int i = 0; i < text.Length; i++)
        {
            offsets[n] = i;
            char c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                chars[n++] = StandInFor(char.ConvertToUtf32(c, text[i + 1]));
                i++;
            }
            else
            {
                chars[n++] = char.IsSurrogate(c) ? OtherStandIn : c == LongS && _foldsCase ? 's' : c;
            }
        }
        offsets[n] = text.Length;
        return (new string(chars, 0, n), offsets);
    }

    private static char StandInFor(int codePoint) => CharUnicodeInfo.GetUnicodeCategory(codePoint) switch
    {
        UnicodeCategory.UppercaseLetter or UnicodeCategory.LowercaseLetter or UnicodeCategory.TitlecaseLetter
            or UnicodeCategory.ModifierLetter or UnicodeCategory.OtherLetter => LetterStandIn,
        UnicodeCategory.DecimalDigitNumber or UnicodeCategory.LetterNumber or UnicodeCategory.OtherNumber => NumberStandIn,
        _ => OtherStandIn,
    };
}
