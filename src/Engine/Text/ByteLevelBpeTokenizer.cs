using System.Collections.Concurrent;
using System.Text;
using Precision.Orleans.Engine.Checkpoints;

namespace Precision.Orleans.Engine.Text;

/// <summary>
/// A Hugging Face byte-level BPE tokenizer (tokenizer.json as Qwen2/Qwen3, Llama-3 and GPT-2 ship it):
/// added tokens are cut out of the raw text first (longest match wins), the rest is NFC-normalized when the file
/// says so, split by the pre-tokenizer regex, UTF-8 encoded, mapped through GPT-2's byte alphabet and merged by
/// merge rank (lowest first, leftmost on ties). Each distinct piece is merged once and cached.
/// </summary>
public sealed class ByteLevelBpeTokenizer : ITokenizer
{
    public const string FileName = "tokenizer.json";
    public const string ConfigFileName = "tokenizer_config.json";
    public const string GenerationConfigFileName = "generation_config.json";

    /// <summary>Distinct pieces whose merges are remembered; the cache starts over when full (bounded memory).</summary>
    private const int CacheCapacity = 50_000;

    private readonly string[] _tokenOfId;
    private readonly Dictionary<string, int> _vocab;
    private readonly int[] _idOfByte = new int[256];
    private readonly Dictionary<long, (int Rank, int Id)> _merges;
    private readonly bool _ignoreMerges;
    private readonly bool _nfc;
    private readonly RegexPreTokenizer _preTokenizer;
    private readonly AddedTokenMatcher _added;
    private readonly bool[] _isSpecial;
    private readonly bool[] _isAdded;
    private readonly ConcurrentDictionary<string, int[]> _cache = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int[]>.AlternateLookup<ReadOnlySpan<char>> _cacheBySpan;
    private readonly IReadOnlyDictionary<string, string> _files;

    /// <summary>Per-thread scratch list of pre-tokenized pieces, so encoding a prompt allocates only its result.</summary>
    [ThreadStatic] private static List<(int Start, int Length)>? t_pieces;

    public int VocabSize => _tokenOfId.Length;
    public int? BosId { get; }
    public int? EosId { get; }
    public int? PadId { get; }
    public IReadOnlyList<int> StopTokens { get; }

    /// <summary>The pre-tokenizer's split regex.</summary>
    public string PreTokenizerPattern => _preTokenizer.Pattern;

    /// <summary>Whether text is NFC-normalized before splitting (Qwen2/Qwen3 ship an NFC normalizer).</summary>
    public bool NormalizesNfc => _nfc;

    /// <summary>The added tokens (special and not), by id.</summary>
    public IReadOnlyList<(int Id, string Content, bool Special)> AddedTokens { get; }

    private ByteLevelBpeTokenizer(TokenizerDefinition d, string path, SpecialTokenNames names, IReadOnlyDictionary<string, string> files)
    {
        _files = files;
        _vocab = d.Vocab;
        int size = Math.Max(d.Vocab.Values.Max(), d.AddedTokens.Count == 0 ? -1 : d.AddedTokens.Max(t => t.Id)) + 1;
        _tokenOfId = new string[size];
        _isSpecial = new bool[size];
        _isAdded = new bool[size];
        foreach (var (token, id) in d.Vocab)
        {
            if (_tokenOfId[id] is { } other) throw TokenizerJson.Bad(path, $"model.vocab gives id {id} to both \"{other}\" and \"{token}\"");
            _tokenOfId[id] = token;
        }
        foreach (var t in d.AddedTokens)
        {
            // An added token may repeat its vocab entry (same id); it may not take another token's id.
            if (_tokenOfId[t.Id] is { } existing && existing != t.Content)
                throw TokenizerJson.Bad(path, $"added token \"{t.Content}\" has id {t.Id}, which the vocabulary gives to \"{existing}\"");
            _tokenOfId[t.Id] = t.Content;
            _isAdded[t.Id] = true;
            _isSpecial[t.Id] = t.Special;
        }
        for (int id = 0; id < size; id++)
            if (_tokenOfId[id] is null) throw TokenizerJson.Bad(path, $"id {id} has no token (ids must be contiguous from 0 to {size - 1})");
        for (int b = 0; b < 256; b++) _idOfByte[b] = d.Vocab[ByteToUnicode.CharOfByte[b].ToString()];

        _merges = new Dictionary<long, (int, int)>(d.Merges.Count);
        for (int rank = 0; rank < d.Merges.Count; rank++)
        {
            var (left, right) = d.Merges[rank];
            if (!d.Vocab.TryGetValue(left, out int l) || !d.Vocab.TryGetValue(right, out int r))
                throw TokenizerJson.Bad(path, $"model.merges[{rank}] \"{left} {right}\" uses a token that is not in model.vocab");
            if (!d.Vocab.TryGetValue(left + right, out int merged))
                throw TokenizerJson.Bad(path, $"model.merges[{rank}] \"{left} {right}\" produces \"{left + right}\", which is not in model.vocab");
            // A repeated merge keeps its first (lowest) rank, as the merge table's lookup would.
            _merges.TryAdd(Key(l, r), (rank, merged));
        }
        _ignoreMerges = d.IgnoreMerges;
        _nfc = d.Nfc;
        _preTokenizer = new RegexPreTokenizer(d.PreTokenizerPattern);
        _added = new AddedTokenMatcher(d.AddedTokens);
        _cacheBySpan = _cache.GetAlternateLookup<ReadOnlySpan<char>>();
        AddedTokens = [.. d.AddedTokens.OrderBy(t => t.Id).Select(t => (t.Id, t.Content, t.Special))];

        BosId = Resolve(names.Bos, "bos_token");
        EosId = Resolve(names.Eos, "eos_token");
        PadId = Resolve(names.Pad, "pad_token");
        var stops = new List<int>();
        if (EosId is int eos) stops.Add(eos);
        foreach (int id in names.ExtraStopIds)
        {
            if (id < 0 || id >= size) throw TokenizerJson.Bad(path, $"{GenerationConfigFileName}: eos_token_id {id} is outside the vocabulary [0, {size})");
            if (!stops.Contains(id)) stops.Add(id);
        }
        StopTokens = stops;

        int? Resolve(string? token, string key) => token is null ? null
            : TokenToId(token) ?? throw TokenizerJson.Bad(path, $"{ConfigFileName}: {key} \"{token}\" is not a token of {FileName}");
    }

    /// <summary>
    /// Loads tokenizer.json from <paramref name="directory"/>, with BOS/EOS/PAD names from tokenizer_config.json and extra
    /// stop ids from generation_config.json when those files are there.
    /// </summary>
    public static ByteLevelBpeTokenizer Load(string directory)
    {
        string path = Path.Combine(directory, FileName);
        if (!File.Exists(path)) throw new FileNotFoundException($"tokenizer: no {FileName} in '{directory}'", path);
        var files = new Dictionary<string, string> { [FileName] = File.ReadAllText(path) };
        foreach (string optional in new[] { ConfigFileName, GenerationConfigFileName })
        {
            string p = Path.Combine(directory, optional);
            if (File.Exists(p)) files[optional] = File.ReadAllText(p);
        }
        return FromFiles(files, directory);
    }

    /// <summary>A tokenizer from the text of tokenizer.json (and optionally tokenizer_config.json / generation_config.json), keyed by file name.</summary>
    public static ByteLevelBpeTokenizer FromFiles(IReadOnlyDictionary<string, string> files, string directory)
    {
        string path = Path.Combine(directory, FileName);
        var definition = TokenizerJson.Parse(files[FileName], path);
        var names = SpecialTokenNames.Read(files, directory);
        return new ByteLevelBpeTokenizer(definition, path, names, files);
    }

    public int[] Encode(string text, bool addBos = false, bool addEos = false)
    {
        ArgumentNullException.ThrowIfNull(text);
        var ids = new List<int>(text.Length / 3 + 4);
        if (addBos && BosId is int bos) ids.Add(bos);
        var pieces = t_pieces ??= new List<(int Start, int Length)>(64);
        int plain = 0;
        while (plain <= text.Length)
        {
            var (at, token) = _added.FindNext(text, plain);
            int end = token is null ? text.Length : at;
            if (end > plain) EncodePlain(text, plain, end - plain, ids, pieces);
            if (token is null) break;
            ids.Add(token.Id);
            plain = at + token.Content.Length;
        }
        if (addEos && EosId is int eos) ids.Add(eos);
        return [.. ids];
    }

    public string Decode(ReadOnlySpan<int> ids, bool keepSpecial = false)
    {
        var bytes = new List<byte>(ids.Length * 4);
        Span<byte> utf8 = stackalloc byte[4];
        foreach (int id in ids)
        {
            if (id < 0) throw new ArgumentOutOfRangeException(nameof(ids), id, $"tokenizer: id {id} is negative");
            // A Hugging Face model's vocab_size is padded past its tokenizer (e.g. Qwen2.5: 151,936 rows for 151,665
            // tokens), so a sampled id may have no token: skipped, as Hugging Face's decode does.
            if (id >= VocabSize || _tokenOfId[id] is not { } token) continue;
            if (_isAdded[id])
            {
                // Added tokens were cut from the raw text, so their content is text, not byte-alphabet characters.
                if (!_isSpecial[id] || keepSpecial) bytes.AddRange(Encoding.UTF8.GetBytes(token));
                continue;
            }
            foreach (char c in token)
            {
                if (ByteToUnicode.TryGetByte(c, out byte b)) bytes.Add(b);
                else bytes.AddRange(utf8[..Encoding.UTF8.GetBytes([c], utf8)]);
            }
        }
        // Lossy on purpose: a response cut mid-character decodes with U+FFFD, as Hugging Face's decoder does.
        return Encoding.UTF8.GetString(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(bytes));
    }

    public int? TokenToId(string token)
    {
        ArgumentNullException.ThrowIfNull(token);
        if (_added.TryGet(token, out int added)) return added;
        return _vocab.TryGetValue(token, out int id) ? id : null;
    }

    public string? IdToToken(int id) => id >= 0 && id < VocabSize ? _tokenOfId[id] : null;

    /// <summary>True for added tokens marked special (dropped by <see cref="Decode"/> unless asked to keep them).</summary>
    public bool IsSpecial(int id) => id >= 0 && id < VocabSize && _isSpecial[id];

    /// <summary>Writes the files this tokenizer was read from, unchanged.</summary>
    public void Save(string directory)
    {
        Directory.CreateDirectory(directory);
        foreach (var (name, text) in _files) AtomicFile.WriteAllText(Path.Combine(directory, name), text);
    }

    private void EncodePlain(string text, int start, int length, List<int> ids, List<(int Start, int Length)> pieces)
    {
        if (_nfc && UnicodeNormalizer.NeedsNormalization(text.AsSpan(start, length)))
        {
            text = UnicodeNormalizer.Nfc(text.Substring(start, length));
            (start, length) = (0, text.Length);
        }
        pieces.Clear();
        _preTokenizer.Split(text, start, length, pieces);
        foreach (var (s, n) in pieces) ids.AddRange(PieceIds(text.AsSpan(s, n)));
    }

    /// <summary>The BPE ids of one pre-tokenized piece, from the cache when it was seen before.</summary>
    private int[] PieceIds(ReadOnlySpan<char> piece)
    {
        if (_cacheBySpan.TryGetValue(piece, out int[]? cached)) return cached;
        int[] ids = Merge(piece);
        if (_cache.Count >= CacheCapacity) _cache.Clear();
        _cacheBySpan.TryAdd(piece, ids);
        return ids;
    }

    private int[] Merge(ReadOnlySpan<char> piece)
    {
        int byteCount = Encoding.UTF8.GetByteCount(piece);
        // Pieces are short (a word, a number, a run of spaces): scratch space on the stack, only the result on the heap.
        const int StackLimit = 128;
        Span<byte> utf8 = byteCount <= StackLimit ? stackalloc byte[StackLimit] : new byte[byteCount];
        utf8 = utf8[..Encoding.UTF8.GetBytes(piece, utf8)];
        if (_ignoreMerges)
        {
            // Llama-3's ignore_merges: a piece that is itself a vocabulary token is that token.
            Span<char> chars = byteCount <= StackLimit ? stackalloc char[StackLimit] : new char[byteCount];
            chars = chars[..byteCount];
            for (int i = 0; i < byteCount; i++) chars[i] = ByteToUnicode.CharOfByte[utf8[i]];
            if (_vocab.GetAlternateLookup<ReadOnlySpan<char>>().TryGetValue(chars, out int whole)) return [whole];
        }
        Span<int> symbols = byteCount <= StackLimit ? stackalloc int[StackLimit] : new int[byteCount];
        Span<int> ranks = byteCount <= StackLimit ? stackalloc int[StackLimit] : new int[byteCount];
        Span<int> mergedIds = byteCount <= StackLimit ? stackalloc int[StackLimit] : new int[byteCount];
        for (int i = 0; i < byteCount; i++) symbols[i] = _idOfByte[utf8[i]];
        int n = byteCount;
        // ranks[i]: merge rank of (symbols[i], symbols[i+1]), int.MaxValue when they do not merge.
        for (int i = 0; i < n - 1; i++) (ranks[i], mergedIds[i]) = Lookup(symbols[i], symbols[i + 1]);
        while (n > 1)
        {
            int best = 0;
            for (int i = 1; i < n - 1; i++) if (ranks[i] < ranks[best]) best = i;
            if (ranks[best] == int.MaxValue) break;
            symbols[best] = mergedIds[best];
            // Close the gap: symbols after the pair move left by one, and so do the ranks of the pairs after it.
            symbols.Slice(best + 2, n - best - 2).CopyTo(symbols[(best + 1)..]);
            if (n - best - 3 > 0)
            {
                ranks.Slice(best + 2, n - best - 3).CopyTo(ranks[(best + 1)..]);
                mergedIds.Slice(best + 2, n - best - 3).CopyTo(mergedIds[(best + 1)..]);
            }
            n--;
            if (best > 0) (ranks[best - 1], mergedIds[best - 1]) = Lookup(symbols[best - 1], symbols[best]);
            if (best < n - 1) (ranks[best], mergedIds[best]) = Lookup(symbols[best], symbols[best + 1]);
        }
        return symbols[..n].ToArray();
    }

    private (int Rank, int Id) Lookup(int left, int right) =>
        _merges.TryGetValue(Key(left, right), out var m) ? m : (int.MaxValue, -1);

    private static long Key(int left, int right) => ((long)left << 32) | (uint)right;
}
