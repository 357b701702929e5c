using System.Text.Json.Nodes;
using Precision.Orleans.Engine.Text;
using Xunit;

namespace Precision.Orleans.Engine.Tests.Text;

public class ByteLevelBpeTokenizerTests
{
    private static ByteLevelBpeTokenizer Tiny(JsonObject? json = null, string? config = null)
    {
        string dir = TinyTokenizerJson.WriteDirectory(json ?? TinyTokenizerJson.Build(), config);
        try { return ByteLevelBpeTokenizer.Load(dir); }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void Merges_apply_by_rank_and_specials_are_cut_out_first()
    {
        var tok = Tiny();
        int hello = tok.TokenToId("hello")!.Value, world = tok.TokenToId("Ġworld")!.Value, imEnd = tok.TokenToId("<|im_end|>")!.Value;
        Assert.Equal([hello, world], tok.Encode("hello world"));
        Assert.Equal([hello, imEnd, world], tok.Encode("hello<|im_end|> world"));
        Assert.Equal("hello world", tok.Decode([hello, imEnd, world]));
        Assert.Equal("hello<|im_end|> world", tok.Decode([hello, imEnd, world], keepSpecial: true));
    }

    [Fact]
    public void Nfc_normalizer_composes_combining_marks_before_splitting()
    {
        var tok = Tiny();
        Assert.True(tok.NormalizesNfc);
        Assert.Equal(tok.Encode("caf\u00E9"), tok.Encode("cafe\u0301"));
        Assert.Equal("caf\u00E9 \u00C5", tok.Decode(tok.Encode("cafe\u0301 \u212B")));
    }

    [Fact]
    public void Bos_eos_pad_come_from_tokenizer_config_and_stops_from_generation_config()
    {
        string dir = TinyTokenizerJson.WriteDirectory(TinyTokenizerJson.Build(),
            """{"bos_token": null, "eos_token": {"content": "<|im_end|>"}, "pad_token": "<|endoftext|>"}""");
        try
        {
            File.WriteAllText(Path.Combine(dir, ByteLevelBpeTokenizer.GenerationConfigFileName), """{"eos_token_id": [258, 265]}""");
            var tok = ByteLevelBpeTokenizer.Load(dir);
            int imEnd = tok.TokenToId("<|im_end|>")!.Value;
            Assert.Null(tok.BosId);
            Assert.Equal(imEnd, tok.EosId);
            Assert.Equal(tok.TokenToId("<|endoftext|>"), tok.PadId);
            Assert.Equal([imEnd, 258, 265], tok.StopTokens);
            Assert.Equal(tok.Encode("hello"), tok.Encode("hello", addBos: true)); // no BOS defined: nothing added
            Assert.Equal(imEnd, tok.Encode("hello", addEos: true)[^1]);

            // Save writes the same files back, and they load to the same tokenizer.
            string copy = dir + "-saved";
            tok.Save(copy);
            var back = TokenizerLoader.Load(copy);
            Assert.Equal(tok.Encode("hello world<|im_end|>"), back.Encode("hello world<|im_end|>"));
            Assert.Equal(tok.StopTokens, back.StopTokens);
            Directory.Delete(copy, true);
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void Merges_in_string_form_equal_the_pair_form()
    {
        var json = TinyTokenizerJson.Build();
        var pairs = Tiny(json);
        json["model"]!["merges"] = new JsonArray([.. TinyTokenizerJson.DefaultMerges.Select(m => JsonValue.Create($"{m.Item1} {m.Item2}"))]);
        var strings = Tiny(json);
        Assert.Equal(pairs.Encode("hello world, hello"), strings.Encode("hello world, hello"));
    }

    [Fact]
    public void Long_pieces_and_many_repeats_encode_and_round_trip()
    {
        var tok = Tiny();
        string text = string.Concat(Enumerable.Repeat("hellohello ", 500)) + new string(' ', 3000) + new string('l', 4001);
        int[] ids = tok.Encode(text);
        Assert.Equal(text, tok.Decode(ids));
        Assert.Equal(1000, ids.Count(i => i == tok.TokenToId("hello")));
    }

    [Fact]
    public void Truncated_utf8_in_a_response_decodes_with_replacement_not_an_exception()
    {
        var tok = Tiny();
        int[] ids = tok.Encode("😀");
        Assert.Equal(4, ids.Length); // no merges for it: one token per UTF-8 byte
        Assert.Equal("\uFFFD", tok.Decode(ids[..2]));
    }

    [Fact]
    public void Ids_past_the_tokenizer_from_a_padded_model_vocab_are_skipped_like_hugging_face_and_negative_ids_refused()
    {
        var tok = Tiny();
        int[] hello = tok.Encode("hello");
        Assert.Equal("hello", tok.Decode([.. hello, tok.VocabSize, tok.VocabSize + 200]));
        Assert.Equal("hello", tok.Decode([tok.VocabSize + 1, .. hello]));
        Assert.Throws<ArgumentOutOfRangeException>(() => tok.Decode([-1]));
    }
}
