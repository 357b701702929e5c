namespace Precision.Orleans.Engine.Text;

/// <summary>
/// Finds added tokens (e.g. <c>&lt;|im_start|&gt;</c>) in raw text: the leftmost occurrence, and of those starting
/// there the longest, as Hugging Face's added-vocabulary split does. Candidates are grouped by first character.
/// </summary>
internal sealed class AddedTokenMatcher
{
    private readonly Dictionary<char, AddedToken[]> _byFirstChar;
    private readonly Dictionary<string, int> _idByContent = new(StringComparer.Ordinal);
    private readonly System.Buffers.SearchValues<char> _firstChars;

    public AddedTokenMatcher(IEnumerable<AddedToken> tokens)
    {
        var list = tokens.ToList();
        foreach (var t in list) _idByContent.TryAdd(t.Content, t.Id);
        _byFirstChar = list.GroupBy(t => t.Content[0])
            .ToDictionary(g => g.Key, g => g.OrderByDescending(t => t.Content.Length).ToArray());
        _firstChars = System.Buffers.SearchValues.Create([.. _byFirstChar.Keys]);
    }

    public bool TryGet(string content, out int id) => _idByContent.TryGetValue(content, out id);

    /// <summary>The first added token at or after <paramref name="from"/>, or (text.Length, null) when there is none.</summary>
    public (int At, AddedToken? Token) FindNext(string text, int from)
    {
        if (_byFirstChar.Count == 0) return (text.Length, null);
        int i = from;
        while (i < text.Length)
        {
            int k = text.AsSpan(i).IndexOfAny(_firstChars);
            if (k < 0) break;
            i += k;
            foreach (var t in _byFirstChar[text[i]])
                if (i + t.Content.Length <= text.Length && string.CompareOrdinal(text, i, t.Content, 0, t.Content.Length) == 0)
                    return (i, t);
            i++;
        }
        return (text.Length, null);
    }
}
