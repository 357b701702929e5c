using System.Buffers.Binary;
using System.Text;
using Precision.Orleans.Engine.Model;

namespace Precision.Orleans.Engine.Tests.Checkpoints;

/// <summary>Small models, random weights and hand-made safetensors files for the checkpoint tests.</summary>
internal static class CheckpointFixtures
{
    public static ModelConfig Qwen2Untied => new()
    {
        ModelType = "qwen2", VocabSize = 48, HiddenSize = 16, IntermediateSize = 24,
        NumHiddenLayers = 2, NumAttentionHeads = 4, NumKeyValueHeads = 2, TieWordEmbeddings = false,
    };

    public static ModelConfig LlamaTied => new()
    {
        ModelType = "llama", VocabSize = 40, HiddenSize = 16, IntermediateSize = 20,
        NumHiddenLayers = 1, NumAttentionHeads = 2, NumKeyValueHeads = 1, TieWordEmbeddings = true,
    };

    public static ModelConfig ByName(string name) => name switch
    {
        "qwen2-untied" => Qwen2Untied,
        "llama-tied" => LlamaTied,
        _ => throw new ArgumentException(name),
    };

    /// <summary>
    /// Random weights whose every element differs from its neighbours (norms and biases included),
    /// with a wide exponent range so 16-bit rounding really changes values.
    /// </summary>
    public static float[] RandomWeights(ParameterLayout layout, int seed)
    {
        var w = new float[layout.TotalCount];
        var rng = new Random(seed);
        for (int i = 0; i < w.Length; i++)
            w[i] = (float)((rng.NextDouble() * 2 - 1) * Math.Pow(10, rng.Next(-4, 2)));
        return w;
    }

    /// <summary>Writes a safetensors file byte by byte: the header length, the header text as given, then the data.</summary>
    public static void WriteRaw(string path, string headerJson, int dataBytes, ulong? headerLengthOverride = null)
    {
        byte[] header = Encoding.UTF8.GetBytes(headerJson);
        using var f = File.Create(path);
        Span<byte> len = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(len, headerLengthOverride ?? (ulong)header.Length);
        f.Write(len);
        f.Write(header);
        var data = new byte[dataBytes];
        new Random(1).NextBytes(data);
        f.Write(data);
    }
}
