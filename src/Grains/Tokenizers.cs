using System.Collections.Concurrent;
using Precision.Orleans.Engine.Text;

namespace Precision.Orleans.Grains;

/// <summary>Tokenizers by model directory (the tokenizer seam: char or HF BPE), loaded once per process (scoring decodes every response).</summary>
internal static class Tokenizers
{
    private static readonly ConcurrentDictionary<string, ITokenizer> Loaded = new(StringComparer.Ordinal);

    public static ITokenizer For(string modelDirectory) => Loaded.GetOrAdd(modelDirectory, TokenizerLoader.Load);
}
