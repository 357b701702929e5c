using System.Diagnostics;
using Precision.Orleans.Engine.Text;
using Xunit;
using Xunit.Abstractions;

namespace Precision.Orleans.Engine.Tests.Text;

/// <summary>Our encoder against the independent Python reference, line by line, on a ≥10,000-line multilingual corpus.</summary>
public class ByteLevelBpeReferenceTests(BpeReferenceFixture fixture, ITestOutputHelper output) : IClassFixture<BpeReferenceFixture>
{
    [Theory]
    [InlineData("qwen2")]
    [InlineData("llama3-split")]
    [InlineData("gpt2-bytelevel")]
    public void Encoding_equals_the_reference_on_every_corpus_line(string variant)
    {
        Assert.True(fixture.Lines.Count >= 10_000);
        var (dir, expected) = fixture.Variants[variant];
        var tokenizer = ByteLevelBpeTokenizer.Load(dir);
        var clock = Stopwatch.StartNew();
        var mismatches = new List<string>();
        long tokens = 0;
        for (int i = 0; i < fixture.Lines.Count; i++)
        {
            int[] ids = tokenizer.Encode(fixture.Lines[i]);
            tokens += ids.Length;
            if (!ids.AsSpan().SequenceEqual(expected[i]))
                mismatches.Add($"line {i} {System.Text.Json.JsonSerializer.Serialize(fixture.Lines[i])}: ours [{string.Join(' ', ids)}] reference [{string.Join(' ', expected[i])}]");
        }
        output.WriteLine($"{variant}: {fixture.Lines.Count} lines, {tokens} tokens in {clock.ElapsedMilliseconds} ms");
        Assert.True(mismatches.Count == 0, $"{mismatches.Count} lines differ; first:\n{string.Join("\n", mismatches.Take(5))}");
        // The corpus must exercise the merges: far fewer tokens than UTF-8 bytes.
        long bytes = fixture.Lines.Sum(l => (long)System.Text.Encoding.UTF8.GetByteCount(l));
        Assert.True(tokens < bytes * 0.6, $"{tokens} tokens for {bytes} bytes: the learned merges are barely used");
    }

    [Theory]
    [InlineData("llama3-split")]
    [InlineData("gpt2-bytelevel")]
    public void Every_corpus_line_round_trips_through_decode(string variant)
    {
        var tokenizer = ByteLevelBpeTokenizer.Load(fixture.Variants[variant].ModelDir);
        foreach (string line in fixture.Lines)
            Assert.Equal(line, tokenizer.Decode(tokenizer.Encode(line), keepSpecial: true));
    }

    public static TheoryData<string> HardStrings => new()
    {
        "👨‍👩‍👧‍👦 family, 🏳️‍🌈 flag, 👍🏽 tone, 🇫🇷🇯🇵 flags, 1️⃣ keycap",
        "中文测试：你好，世界！日本語のテキスト。한국어 텍스트",
        "e\u0301 a\u0308 q\u0307\u0323 \u1100\u1161\u11A8 Z\u0335\u0321\u0358",
        "שלום עולם مرحبا بالعالم \u200F\u202Bmixed\u202C RTL",
        "tabs\t\tand\nnewlines\r\n\n\n   spaces      end   ",
        "\u0000\u0001\u001B[31mred\u001B[0m\u007F\u0085\u200B\uFEFF",
        "special <|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n<think>\nok</think><|endoftext|>",
        "partial specials <|im_ <|im_end <think <|endoftext|",
        "𝐀𝐁𝐂 𝟘𝟙𝟚 𠀀𠀁 astral letters and digits",
        "",
        " ",
        "'s'S'ſ'll 'LL don't I'M",
    };

    [Theory]
    [MemberData(nameof(HardStrings))]
    public void Hard_utf8_round_trips_exactly(string text)
    {
        foreach (string variant in new[] { "llama3-split", "gpt2-bytelevel" })
        {
            var tok = ByteLevelBpeTokenizer.Load(fixture.Variants[variant].ModelDir);
            Assert.Equal(text, tok.Decode(tok.Encode(text), keepSpecial: true));
        }
    }

    [Fact]
    public void Special_tokens_inside_text_become_single_ids_and_the_longest_added_token_wins()
    {
        var tok = ByteLevelBpeTokenizer.Load(fixture.Variants["qwen2"].ModelDir);
        int start = tok.TokenToId("<|im_start|>")!.Value, end = tok.TokenToId("<|im_end|>")!.Value;
        int startAssistant = tok.TokenToId("<|im_start|>assistant")!.Value, think = tok.TokenToId("<think>")!.Value;
        int[] ids = tok.Encode("<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n<think>");
        Assert.Equal(start, ids[0]);
        Assert.Contains(end, ids);
        Assert.Contains(startAssistant, ids);
        Assert.Equal(think, ids[^1]);
        Assert.True(tok.IsSpecial(end));
        Assert.False(tok.IsSpecial(think));
        // Specials are dropped on decode unless kept; non-special added tokens always stay.
        Assert.Equal("user\nhi\n\n<think>", tok.Decode(ids.Where(i => i != startAssistant).ToArray()));
    }

    [Fact]
    public void Random_unicode_scalar_strings_round_trip()
    {
        var random = new Random(7);
        var tok = ByteLevelBpeTokenizer.Load(fixture.Variants["llama3-split"].ModelDir);
        for (int n = 0; n < 300; n++)
        {
            var sb = new System.Text.StringBuilder();
            int length = random.Next(1, 40);
            for (int i = 0; i < length; i++)
            {
                // Mostly low planes, sometimes anything up to U+10FFFF; never a lone surrogate (not valid UTF-8).
                int cp = random.Next(4) == 0 ? random.Next(0x10000, 0x110000) : random.Next(0, 0x3400);
                if (cp is >= 0xD800 and <= 0xDFFF) cp = 'x';
                sb.Append(char.ConvertFromUtf32(cp));
            }
            string text = sb.ToString();
            Assert.Equal(text, tok.Decode(tok.Encode(text), keepSpecial: true));
        }
    }

    [Fact]
    public void Encoding_is_fast_enough_for_rl_prompts()
    {
        var tok = ByteLevelBpeTokenizer.Load(fixture.Variants["qwen2"].ModelDir);
        foreach (string line in fixture.Lines.Take(500)) tok.Encode(line); // warm the regex and the cache
        long before = GC.GetAllocatedBytesForCurrentThread();
        var clock = Stopwatch.StartNew();
        long chars = 0;
        foreach (string line in fixture.Lines) { tok.Encode(line); chars += line.Length; }
        double seconds = clock.Elapsed.TotalSeconds;
        double allocatedPerChar = (double)(GC.GetAllocatedBytesForCurrentThread() - before) / chars;
        output.WriteLine($"{chars / seconds / 1e6:F2} M chars/s, {allocatedPerChar:F1} bytes allocated per char");
        // Generous bounds for a shared 2-core machine; a pathological implementation is orders of magnitude off.
        Assert.True(chars / seconds > 1e5, $"{chars / seconds:F0} chars/s");
        Assert.True(allocatedPerChar < 64, $"{allocatedPerChar:F1} bytes per char");
    }
}
