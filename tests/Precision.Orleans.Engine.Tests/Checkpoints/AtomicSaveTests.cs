using Precision.Orleans.Engine.Checkpoints;
using Precision.Orleans.Engine.Model;
using Xunit;

namespace Precision.Orleans.Engine.Tests.Checkpoints;

/// <summary>A save that fails part-way never damages the checkpoint already on disk.</summary>
public class AtomicSaveTests
{
    /// <summary>Passes bytes through until a budget is spent, then fails like a full disk.</summary>
    private sealed class FailingStream(Stream inner, long failAfterBytes) : Stream
    {
        private long _written;
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => _written; set => throw new NotSupportedException(); }
        public override void Flush() => inner.Flush();
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            if (_written + buffer.Length > failAfterBytes) throw new IOException("simulated: no space left on device");
            inner.Write(buffer);
            _written += buffer.Length;
        }
    }

    private static string[] Entries(TempDirectory dir) =>
        Directory.GetFileSystemEntries(dir.Path).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToArray()!;

    [Fact]
    public void Exception_mid_write_leaves_the_previous_checkpoint_intact_and_no_temporaries()
    {
        using var dir = new TempDirectory();
        var config = CheckpointFixtures.Qwen2Untied;
        var layout = new ParameterLayout(config);
        var first = CheckpointFixtures.RandomWeights(layout, 1);
        ModelCheckpoint.Save(dir.Path, config, layout, first, new Dictionary<string, string> { ["step"] = "1" });
        byte[] configBefore = File.ReadAllBytes(dir.File(ModelCheckpoint.ConfigFileName));

        var second = CheckpointFixtures.RandomWeights(layout, 2);
        var e = Assert.Throws<IOException>(() => ModelCheckpoint.Save(dir.Path, config with { RopeTheta = 1e6f }, new ParameterLayout(config with { RopeTheta = 1e6f }),
            second, new Dictionary<string, string> { ["step"] = "2" }, Abstractions.DType.Fp32, s => new FailingStream(s, 2000)));
        Assert.Contains("simulated", e.Message);

        var loaded = ModelCheckpoint.Load(dir.Path);
        Assert.Equal(first, loaded.Weights);
        Assert.Equal("1", loaded.Metadata["step"]);
        Assert.Equal(configBefore, File.ReadAllBytes(dir.File(ModelCheckpoint.ConfigFileName)));
        Assert.Equal([ModelCheckpoint.ConfigFileName, ModelCheckpoint.WeightsFileName], Entries(dir));
    }

    [Fact]
    public void Target_that_is_a_directory_fails_the_save_without_touching_config_or_leaving_temporaries()
    {
        using var dir = new TempDirectory();
        var config = CheckpointFixtures.LlamaTied;
        var layout = new ParameterLayout(config);
        ModelCheckpoint.Save(dir.Path, config, layout, CheckpointFixtures.RandomWeights(layout, 1));
        byte[] configBefore = File.ReadAllBytes(dir.File(ModelCheckpoint.ConfigFileName));
        File.Delete(dir.File(ModelCheckpoint.WeightsFileName));
        Directory.CreateDirectory(dir.File(ModelCheckpoint.WeightsFileName));

        var other = config with { IntermediateSize = 28 };
        var thrown = Record.Exception(() =>
            ModelCheckpoint.Save(dir.Path, other, new ParameterLayout(other), CheckpointFixtures.RandomWeights(new ParameterLayout(other), 2)));

        Assert.True(thrown is IOException or UnauthorizedAccessException, $"expected an I/O failure, got {thrown}");
        Assert.Equal(configBefore, File.ReadAllBytes(dir.File(ModelCheckpoint.ConfigFileName)));
        Assert.Equal([ModelCheckpoint.ConfigFileName, ModelCheckpoint.WeightsFileName], Entries(dir));
        Assert.True(Directory.Exists(dir.File(ModelCheckpoint.WeightsFileName)));
    }

    [Fact]
    public void Failure_after_an_earlier_good_save_still_loads_the_earlier_one_in_16_bit()
    {
        using var dir = new TempDirectory();
        var config = CheckpointFixtures.LlamaTied;
        var layout = new ParameterLayout(config);
        var first = CheckpointFixtures.RandomWeights(layout, 4);
        ModelCheckpoint.Save(dir.Path, config, layout, first, storageDType: Abstractions.DType.Bf16);
        var expected = ModelCheckpoint.Load(dir.Path).Weights;

        // Fails inside the data section (the header alone is well under 1 KB for this model).
        Assert.Throws<IOException>(() => ModelCheckpoint.Save(dir.Path, config, layout, CheckpointFixtures.RandomWeights(layout, 5),
            null, Abstractions.DType.Bf16, s => new FailingStream(s, 3000)));

        Assert.Equal(expected, ModelCheckpoint.Load(dir.Path).Weights);
    }
}
