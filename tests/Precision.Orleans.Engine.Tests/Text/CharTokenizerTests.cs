using Precision.Orleans.Engine.Text;
using Xunit;

namespace Precision.Orleans.Engine.Tests.Text;

public class CharTokenizerTests
{
    [Fact]
    public void Encode_then_decode_round_trips_and_places_special_tokens()
    {
        var tok = new CharTokenizer("abc 12+=");
        int[] ids = tok.Encode("ab 1+2=c", addBos: true, addEos: true);
        Assert.Equal(CharTokenizer.BosId, ids[0]);
        Assert.Equal(CharTokenizer.EosId, ids[^1]);
        Assert.Equal(10, ids.Length);
        Assert.Equal("ab 1+2=c", tok.Decode(ids));
        Assert.Equal("<bos>ab 1+2=c<eos>", tok.Decode(ids, keepSpecial: true));
        Assert.Equal(CharTokenizer.SpecialCount, tok.Encode("a")[0]);
        Assert.Equal(3 + 8, tok.VocabSize);
    }

    [Fact]
    public void Pad_is_zero_like_the_training_batch_padding() =>
        Assert.Equal(Precision.Orleans.Engine.Training.TokenBatch.PadToken, CharTokenizer.PadId);

    [Fact]
    public void Unknown_character_is_named_in_the_error()
    {
        var tok = new CharTokenizer("abc");
        var e = Assert.Throws<ArgumentException>(() => tok.Encode("abz"));
        Assert.Contains("'z'", e.Message);
        Assert.Contains("index 2", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => tok.Decode([99]));
    }

    [Fact]
    public void Duplicate_alphabet_character_is_rejected() =>
        Assert.Contains("twice", Assert.Throws<ArgumentException>(() => new CharTokenizer("abca")).Message);

    [Fact]
    public void Save_and_load_give_the_same_vocabulary()
    {
        string dir = Path.Combine(Path.GetTempPath(), "tok-" + Guid.NewGuid().ToString("N"));
        try
        {
            var tok = new CharTokenizer(" xyz09.,");
            tok.Save(dir);
            Assert.True(File.Exists(Path.Combine(dir, CharTokenizer.FileName)));
            var back = CharTokenizer.Load(dir);
            Assert.Equal(tok.Alphabet, back.Alphabet);
            Assert.Equal(tok.Encode("x9, z", true, true), back.Encode("x9, z", true, true));
        }
        finally
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, true);
        }
    }

    [Fact]
    public void Load_of_a_missing_file_names_the_file()
    {
        var e = Assert.Throws<FileNotFoundException>(() => CharTokenizer.Load(Path.Combine(Path.GetTempPath(), "no-such-dir-" + Guid.NewGuid())));
        Assert.Contains(CharTokenizer.FileName, e.Message);
    }
}
