using System.Collections.Concurrent;
using Precision.Orleans.Engine.Text;

namespace Precision.Orleans.Grains;

/// <summary>Tokenizers by model directory, loaded once per process (scoring decodes every response).</summary>
internal static class Tokenizers
{
    private static readonly ConcurrentDictionary<string, CharTokenizer> Loaded = new(StringComparer.Ordinal);

    public static CharTokenizer For(string modelDirectory) => Loaded.GetOrAdd(modelDirectory, CharTokenizer.Load);
}
