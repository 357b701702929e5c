using System.Text;

namespace Precision.Orleans.Engine.Tests.Text;

/// <summary>
/// A deterministic multilingual corpus for tokenizer tests: mixed scripts (Latin, Cyrillic, Greek, CJK, kana, Hangul,
/// Arabic, Hebrew, Devanagari), digits, punctuation, contractions in every case, emoji (ZWJ sequences, skin tones,
/// flags), combining marks, astral letters and digits, whitespace runs, tabs, CR/LF, control characters and
/// special tokens written inside the text.
/// </summary>
public static class TokenizerCorpus
{
    private static readonly string[] Words =
    [
        "the", "model", "training", "inference", "mismatch", "precision", "gradient", "policy", "rollout", "token",
        "Hello", "World", "RL", "FP16", "BF16", "vLLM", "PyTorch", "reward", "answer", "because", "mathematics",
        "привет", "мир", "обучение", "модель", "Καλημέρα", "κόσμε", "λόγος", "你好", "世界", "模型", "训练", "推理",
        "こんにちは", "カタカナ", "ひらがな", "안녕하세요", "세계", "한국어", "مرحبا", "بالعالم", "שלום", "עולם",
        "नमस्ते", "दुनिया", "café", "naïve", "façade", "Straße", "ﬁnance", "𝐀𝐁𝐂", "𠀀𠀁", "ſtop", "K", "İstanbul",
    ];

    private static readonly string[] Contractions = ["'s", "'t", "'re", "'ve", "'m", "'ll", "'d", "'S", "'T", "'RE", "'Ll", "'D", "'ſ", "'x"];

    private static readonly string[] Punctuation = [".", ",", "!", "?", ";", ":", "...", "—", "–", "(", ")", "[", "]", "{", "}", "\"", "'", "«", "»", "「", "」", "。", "、", "¿", "¡", "+", "=", "*", "/", "\\", "#", "$", "%", "&", "@", "^", "~", "`", "|", "<", ">", "=>", "::", "->", "¶", "§", "°", "€", "£", "¥"];

    private static readonly string[] Emoji =
    [
        "😀", "🚀", "👍🏽", "👩‍💻", "👨‍👩‍👧‍👦", "🏳️‍🌈", "🇫🇷", "🇯🇵", "❤️", "✨", "🤖", "🧪", "1️⃣", "🫠",
    ];

    private static readonly string[] Spaces = [" ", "  ", "   ", "\t", "\t\t", "\n", "\r\n", "\n\n", " \n", "\u00A0", "\u3000", "\u2003", "      ", " \t "];

    private static readonly string[] Combining = ["e\u0301", "a\u0308", "n\u0303", "o\u0302\u0323", "\u1100\u1161\u11A8", "A\u030A", "\u212B", "q\u0307\u0323"];

    private static readonly string[] Specials = ["<|im_start|>", "<|im_end|>", "<|endoftext|>", "<think>", "</think>", "<|im_start|>assistant", "<|im_", "<think"];

    private static readonly string[] Controls = ["\u0000", "\u0001", "\u001B", "\u001C", "\u001F", "\u000B", "\u000C", "\u007F", "\u0085", "\u200B", "\u200D", "\u2028", "\u2029", "\uFEFF"];

    /// <summary><paramref name="count"/> lines from seed <paramref name="seed"/>; the same arguments give the same lines.</summary>
    public static List<string> Lines(int count, int seed = 20251122)
    {
        var random = new Random(seed);
        var lines = new List<string>(count);
        var sb = new StringBuilder();
        for (int i = 0; i < count; i++)
        {
            sb.Clear();
            int parts = 3 + random.Next(14);
            for (int p = 0; p < parts; p++) Append(sb, random);
            lines.Add(sb.ToString());
        }
        return lines;
    }

    private static void Append(StringBuilder sb, Random r)
    {
        int kind = r.Next(100);
        string Pick(string[] a) => a[r.Next(a.Length)];
        switch (kind)
        {
            case < 35: sb.Append(' ').Append(Pick(Words)); break;
            case < 42: sb.Append(Pick(Words)).Append(Pick(Contractions)); break;
            case < 52: sb.Append(r.Next(3) == 0 ? " " : "").Append(r.NextInt64(0, 10_000_000_000L)); break;
            case < 62: sb.Append(Pick(Punctuation)); break;
            case < 70: sb.Append(Pick(Spaces)); break;
            case < 76: sb.Append(Pick(Emoji)); break;
            case < 81: sb.Append(Pick(Combining)); break;
            case < 85: sb.Append(Pick(Specials)); break;
            case < 87: sb.Append(Pick(Controls)); break;
            case < 93: sb.Append(Pick(Words).ToUpperInvariant()); break;
            default: sb.Append(' ').Append(Pick(Words)).Append(r.Next(100)).Append(Pick(Punctuation)); break;
        }
    }
}
