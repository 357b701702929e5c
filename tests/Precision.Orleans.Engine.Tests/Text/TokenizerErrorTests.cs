using System.Text.Json.Nodes;
using Precision.Orleans.Engine.Text;
using Xunit;

namespace Precision.Orleans.Engine.Tests.Text;

/// <summary>Bad tokenizer files are refused with a message naming the file and the problem.</summary>
public class TokenizerErrorTests
{
    private static string LoadError(JsonNode json, string? config = null) => LoadError(json.ToJsonString(), config);

    private static string LoadError(string text, string? config = null)
    {
        string dir = TinyTokenizerJson.WriteDirectory(JsonValue.Create(0)!, config);
        File.WriteAllText(Path.Combine(dir, ByteLevelBpeTokenizer.FileName), text);
        try
        {
            var e = Assert.ThrowsAny<Exception>(() => TokenizerLoader.Load(dir));
            Assert.True(e is InvalidDataException, $"{e.GetType().Name}: {e.Message}");
            return e.Message;
        }
        finally { Directory.Delete(dir, true); }
    }

    private static JsonObject With(Action<JsonObject> change)
    {
        var json = TinyTokenizerJson.Build();
        change(json);
        return json;
    }

    [Fact]
    public void Missing_or_empty_merges_are_refused_naming_the_file()
    {
        string m = LoadError(With(j => ((JsonObject)j["model"]!).Remove("merges")));
        Assert.Contains(ByteLevelBpeTokenizer.FileName, m);
        Assert.Contains("merges", m);
        Assert.Contains("merges", LoadError(With(j => j["model"]!["merges"] = new JsonArray())));
    }

    [Fact]
    public void Malformed_json_is_refused_naming_the_file()
    {
        string m = LoadError("{\"model\": {\"type\": \"BPE\", ");
        Assert.Contains(ByteLevelBpeTokenizer.FileName, m);
        Assert.Contains("not valid JSON", m);
    }

    [Theory]
    [InlineData("model.type", "WordPiece")]
    [InlineData("model.type", "Unigram")]
    [InlineData("pre_tokenizer", "Metaspace")]
    [InlineData("normalizer", "NFKC")]
    [InlineData("decoder", "WordPiece")]
    [InlineData("byte_fallback", "byte_fallback")]
    [InlineData("dropout", "dropout")]
    [InlineData("add_prefix_space", "add_prefix_space")]
    [InlineData("lstrip", "lstrip")]
    public void Unsupported_components_and_options_are_refused_by_name(string what, string expected)
    {
        var json = TinyTokenizerJson.Build();
        switch (what)
        {
            case "model.type": json["model"]!["type"] = expected; break;
            case "pre_tokenizer": json["pre_tokenizer"] = new JsonObject { ["type"] = "Metaspace", ["replacement"] = "▁" }; break;
            case "normalizer": json["normalizer"] = new JsonObject { ["type"] = "NFKC" }; break;
            case "decoder": json["decoder"] = new JsonObject { ["type"] = "WordPiece" }; break;
            case "byte_fallback": json["model"]!["byte_fallback"] = true; break;
            case "dropout": json["model"]!["dropout"] = 0.1; break;
            case "add_prefix_space": json["pre_tokenizer"]!["pretokenizers"]![1]!["add_prefix_space"] = true; break;
            case "lstrip": json["added_tokens"]![0]!["lstrip"] = true; break;
        }
        string m = LoadError(json);
        Assert.Contains(ByteLevelBpeTokenizer.FileName, m);
        Assert.Contains(expected, m);
        Assert.Contains("not supported", m);
    }

    [Fact]
    public void A_merge_whose_tokens_are_not_in_the_vocabulary_is_refused()
    {
        string m = LoadError(With(j => ((JsonArray)j["model"]!["merges"]!).Add(new JsonArray("zz", "q"))));
        Assert.Contains("model.merges[", m);
        Assert.Contains("not in model.vocab", m);
    }

    [Fact]
    public void A_vocabulary_without_the_byte_alphabet_is_refused()
    {
        string m = LoadError(With(j => ((JsonObject)j["model"]!["vocab"]!).Remove("Ġ")));
        Assert.Contains("byte-level", m);
    }

    [Fact]
    public void An_eos_token_that_is_not_a_token_is_refused_naming_tokenizer_config()
    {
        string m = LoadError(TinyTokenizerJson.Build(), """{"eos_token": "<|no_such|>"}""");
        Assert.Contains(ByteLevelBpeTokenizer.ConfigFileName, m);
        Assert.Contains("<|no_such|>", m);
    }

    [Fact]
    public void A_directory_with_no_tokenizer_names_both_files()
    {
        string dir = Path.Combine(Path.GetTempPath(), "no-tok-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(dir);
        try
        {
            var e = Assert.Throws<FileNotFoundException>(() => TokenizerLoader.Load(dir));
            Assert.Contains(ByteLevelBpeTokenizer.FileName, e.Message);
            Assert.Contains(CharTokenizer.FileName, e.Message);
        }
        finally { Directory.Delete(dir, true); }
        Assert.Throws<DirectoryNotFoundException>(() => TokenizerLoader.Load(dir));
    }

    [Fact]
    public void The_loader_prefers_tokenizer_json_and_falls_back_to_the_char_tokenizer()
    {
        string dir = TinyTokenizerJson.WriteDirectory(TinyTokenizerJson.Build());
        try
        {
            new CharTokenizer("abc").Save(dir);
            Assert.IsType<ByteLevelBpeTokenizer>(TokenizerLoader.Load(dir));
            File.Delete(Path.Combine(dir, ByteLevelBpeTokenizer.FileName));
            var chars = Assert.IsType<CharTokenizer>(TokenizerLoader.Load(dir));
            Assert.Equal(CharTokenizer.EosId, ((ITokenizer)chars).EosId);
            Assert.Equal([CharTokenizer.EosId], chars.StopTokens);
        }
        finally { Directory.Delete(dir, true); }
    }
}
