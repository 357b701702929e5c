using System.Runtime.InteropServices;
using System.Text.Json;

namespace Precision.Orleans.Engine.Tests.Parity;

/// <summary>What torch_reference.py computed for one <see cref="ParityCase"/>.</summary>
public sealed record TorchReferenceResult(
    float[] Logits, float[] LogProbs, float[] Gradients, float[] FinalWeights,
    double Loss, double[] Losses, double?[] GradNorms, string TorchVersion)
{
    public static TorchReferenceResult Read(string directory, ParityCase c)
    {
        int n = c.Batch.BatchSize * c.Batch.SeqLen;
        long p = c.Layout.TotalCount;
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(directory, "out_result.json")));
        var root = json.RootElement;
        return new TorchReferenceResult(
            ReadFloats(directory, "out_logits.bin", (long)n * c.Config.VocabSize),
            ReadFloats(directory, "out_logprobs.bin", n),
            ReadFloats(directory, "out_grads.bin", p),
            ReadFloats(directory, "out_final_weights.bin", p),
            root.GetProperty("loss").GetDouble(),
            root.GetProperty("losses").EnumerateArray().Select(e => e.GetDouble()).ToArray(),
            root.GetProperty("grad_norms").EnumerateArray().Select(e => e.ValueKind == JsonValueKind.Null ? (double?)null : e.GetDouble()).ToArray(),
            root.GetProperty("torch_version").GetString() ?? "?");
    }

    private static float[] ReadFloats(string directory, string file, long expected)
    {
        string path = Path.Combine(directory, file);
        if (!File.Exists(path)) throw new InvalidDataException($"torch_reference.py did not write '{path}'");
        byte[] bytes = File.ReadAllBytes(path);
        if (bytes.Length != expected * 4)
            throw new InvalidDataException($"'{path}' has {bytes.Length} bytes, expected {expected} float32 values");
        return MemoryMarshal.Cast<byte, float>(bytes).ToArray();
    }
}
