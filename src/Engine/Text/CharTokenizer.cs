using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Precision.Orleans.Engine.Checkpoints;

namespace Precision.Orleans.Engine.Text;

/// <summary>
/// A character-level tokenizer: three special tokens (<c>&lt;pad&gt;</c>=0, <c>&lt;bos&gt;</c>=1,
/// <c>&lt;eos&gt;</c>=2) followed by one token per character of an alphabet. Small vocabularies keep
/// the LM head cheap, so a tiny model trains on CPU in minutes.
/// </summary>
public sealed class CharTokenizer : ITokenizer
{
    /// <summary>File name next to a checkpoint's config.json.</summary>
    public const string FileName = "tokenizer.chars.json";

    /// <summary>Padding; must be 0 because <c>TokenBatch.PadToken</c> is 0.</summary>
    public const int PadId = 0;
    public const int BosId = 1;
    public const int EosId = 2;
    public const int SpecialCount = 3;

    public static readonly IReadOnlyList<string> SpecialTokens = ["<pad>", "<bos>", "<eos>"];

    private readonly Dictionary<char, int> _idByChar;

    /// <summary>The characters, in id order starting at <see cref="SpecialCount"/>.</summary>
    public string Alphabet { get; }

    public int VocabSize => SpecialCount + Alphabet.Length;

    int? ITokenizer.BosId => BosId;
    int? ITokenizer.EosId => EosId;
    int? ITokenizer.PadId => PadId;

    private static readonly int[] Stops = [EosId];

    public IReadOnlyList<int> StopTokens => Stops;

    public CharTokenizer(string alphabet)
    {
        ArgumentNullException.ThrowIfNull(alphabet);
        if (alphabet.Length == 0) throw new ArgumentException("tokenizer alphabet is empty");
        _idByChar = new Dictionary<char, int>(alphabet.Length);
        for (int i = 0; i < alphabet.Length; i++)
        {
            char c = alphabet[i];
            if (char.IsSurrogate(c)) throw new ArgumentException($"tokenizer alphabet: surrogate characters are not supported (index {i})");
            if (!_idByChar.TryAdd(c, SpecialCount + i))
                throw new ArgumentException($"tokenizer alphabet: character '{Printable(c)}' appears twice (index {i})");
        }
        Alphabet = alphabet;
    }

    /// <summary>Token ids of <paramref name="text"/>, optionally wrapped in &lt;bos&gt; / &lt;eos&gt;.</summary>
    public int[] Encode(string text, bool addBos = false, bool addEos = false)
    {
        ArgumentNullException.ThrowIfNull(text);
        var ids = new int[text.Length + (addBos ? 1 : 0) + (addEos ? 1 : 0)];
        int n = 0;
        if (addBos) ids[n++] = BosId;
        for (int i = 0; i < text.Length; i++)
        {
            if (!_idByChar.TryGetValue(text[i], out int id))
                throw new ArgumentException(
                    $"tokenizer: character '{Printable(text[i])}' at index {i} is not in the alphabet \"{Alphabet}\"");
            ids[n++] = id;
        }
        if (addEos) ids[n] = EosId;
        return ids;
    }

    /// <summary>Text of <paramref name="ids"/>; special tokens are dropped unless <paramref name="keepSpecial"/>.</summary>
    public string Decode(ReadOnlySpan<int> ids, bool keepSpecial = false)
    {
        var sb = new StringBuilder(ids.Length);
        foreach (int id in ids)
        {
            if (id < 0 || id >= VocabSize)
                throw new ArgumentOutOfRangeException(nameof(ids), id, $"tokenizer: id {id} is outside the vocabulary [0, {VocabSize})");
            if (id < SpecialCount)
            {
                if (keepSpecial) sb.Append(SpecialTokens[id]);
            }
            else
            {
                sb.Append(Alphabet[id - SpecialCount]);
            }
        }
        return sb.ToString();
    }

    public bool CanEncode(char c) => _idByChar.ContainsKey(c);

    public int? TokenToId(string token)
    {
        ArgumentNullException.ThrowIfNull(token);
        for (int i = 0; i < SpecialCount; i++) if (SpecialTokens[i] == token) return i;
        return token.Length == 1 && _idByChar.TryGetValue(token[0], out int id) ? id : null;
    }

    public string? IdToToken(int id) =>
        id < 0 || id >= VocabSize ? null : id < SpecialCount ? SpecialTokens[id] : Alphabet[id - SpecialCount].ToString();

    public void Save(string directory)
    {
        Directory.CreateDirectory(directory);
        var file = new TokenizerFile { Type = "chars", SpecialTokens = [.. SpecialTokens], Alphabet = Alphabet };
        AtomicFile.WriteAllText(Path.Combine(directory, FileName), JsonSerializer.Serialize(file, JsonOptions));
    }

    /// <summary>Loads <see cref="FileName"/> from a checkpoint directory.</summary>
    public static CharTokenizer Load(string directory)
    {
        string path = Path.Combine(directory, FileName);
        if (!File.Exists(path)) throw new FileNotFoundException($"tokenizer: no {FileName} in '{directory}'", path);
        TokenizerFile? file;
        try
        {
            file = JsonSerializer.Deserialize<TokenizerFile>(File.ReadAllText(path), JsonOptions);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: not a valid tokenizer file: {e.Message}", e);
        }
        if (file is null || file.Type != "chars")
            throw new InvalidDataException($"{path}: expected \"type\": \"chars\"");
        if (file.SpecialTokens is null || !file.SpecialTokens.SequenceEqual(SpecialTokens))
            throw new InvalidDataException($"{path}: special tokens must be [{string.Join(", ", SpecialTokens)}]");
        if (string.IsNullOrEmpty(file.Alphabet)) throw new InvalidDataException($"{path}: 'alphabet' is missing or empty");
        return new CharTokenizer(file.Alphabet);
    }

    private static string Printable(char c) => char.IsControl(c) ? $"\\u{(int)c:x4}" : c.ToString();

    private static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = true };

    private sealed class TokenizerFile
    {
        [JsonPropertyName("type")] public string? Type { get; set; }
        [JsonPropertyName("special_tokens")] public string[]? SpecialTokens { get; set; }
        [JsonPropertyName("alphabet")] public string? Alphabet { get; set; }
    }
}
