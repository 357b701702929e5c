using System.Runtime.InteropServices;
using System.Text.Json;
using Precision.Orleans.Abstractions;
using Precision.Orleans.Engine.Checkpoints;
using Precision.Orleans.Engine.Model;
using Precision.Orleans.Engine.Numerics;
using Precision.Orleans.Engine.Tests.Parity;
using Xunit;

namespace Precision.Orleans.Engine.Tests.Checkpoints;

/// <summary>Our safetensors files decode, with an independent python reader, to the values we saved.</summary>
public class CheckpointPythonInteropTests
{
    [Fact]
    public void Python_reader_decodes_fp32_bf16_and_fp16_checkpoints_to_the_saved_values()
    {
        using var dir = new TempDirectory();
        var config = CheckpointFixtures.Qwen2Untied;
        var layout = new ParameterLayout(config);
        var weights = CheckpointFixtures.RandomWeights(layout, 21);
        DType[] storages = [DType.Fp32, DType.Bf16, DType.Fp16];
        var args = new List<string> { "--decode-safetensors" };
        foreach (var s in storages)
        {
            string ckpt = dir.File(s.Name());
            ModelCheckpoint.Save(ckpt, config, layout, weights, new Dictionary<string, string> { ["dtype"] = s.Name() }, s);
            args.Add(Path.Combine(ckpt, ModelCheckpoint.WeightsFileName));
            args.Add(dir.File(s.Name() + "-decoded"));
        }

        TorchReferenceRunner.Run(args);

        foreach (var s in storages)
        {
            var decoded = MemoryMarshal.Cast<byte, float>(File.ReadAllBytes(dir.File(s.Name() + "-decoded.bin"))).ToArray();
            var expected = weights.Select(w => DTypeRounding.Round(w, s)).ToArray();
            Assert.Equal(expected.Select(BitConverter.SingleToInt32Bits), decoded.Select(BitConverter.SingleToInt32Bits));

            using var info = JsonDocument.Parse(File.ReadAllText(dir.File(s.Name() + "-decoded.json")));
            var root = info.RootElement;
            Assert.Equal(layout.Parameters.Select(p => p.Name), root.GetProperty("names").EnumerateArray().Select(e => e.GetString()));
            Assert.All(root.GetProperty("dtypes").EnumerateArray(), e => Assert.Equal(SafetensorsDType.Name(s), e.GetString()));
            Assert.Equal(layout.Parameters.Select(p => p.Shape), root.GetProperty("shapes").EnumerateArray().Select(e => e.EnumerateArray().Select(d => d.GetInt32()).ToArray()));
            var meta = root.GetProperty("metadata");
            Assert.Equal("pt", meta.GetProperty("format").GetString());
            Assert.Equal(s.Name(), meta.GetProperty("dtype").GetString());
        }
    }
}
