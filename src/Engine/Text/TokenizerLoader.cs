namespace Precision.Orleans.Engine.Text;

/// <summary>Finds the tokenizer of a model directory: Hugging Face tokenizer.json first, else our char tokenizer.</summary>
public static class TokenizerLoader
{
    public static ITokenizer Load(string modelDirectory)
    {
        ArgumentNullException.ThrowIfNull(modelDirectory);
        if (!Directory.Exists(modelDirectory))
            throw new DirectoryNotFoundException($"tokenizer: model directory '{modelDirectory}' does not exist");
        if (File.Exists(Path.Combine(modelDirectory, ByteLevelBpeTokenizer.FileName))) return ByteLevelBpeTokenizer.Load(modelDirectory);
        if (File.Exists(Path.Combine(modelDirectory, CharTokenizer.FileName))) return CharTokenizer.Load(modelDirectory);
        throw new FileNotFoundException(
            $"tokenizer: '{modelDirectory}' has neither a Hugging Face {ByteLevelBpeTokenizer.FileName} nor our {CharTokenizer.FileName}",
            Path.Combine(modelDirectory, ByteLevelBpeTokenizer.FileName));
    }
}
