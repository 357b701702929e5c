using Precision.Orleans.Engine.Checkpoints;
using Xunit;

namespace Precision.Orleans.Engine.Tests.Checkpoints;

/// <summary>Every malformed file is refused with an InvalidDataException naming the file, the tensor and the problem.</summary>
public class SafetensorsValidationTests
{
    private static InvalidDataException OpenFails(string header, int dataBytes, ulong? headerLength = null)
    {
        using var dir = new TempDirectory();
        string path = dir.File("bad.safetensors");
        CheckpointFixtures.WriteRaw(path, header, dataBytes, headerLength);
        var e = Assert.Throws<InvalidDataException>(() => SafetensorsFile.Open(path));
        Assert.Contains(path, e.Message);
        return e;
    }

    private const string Good = """{"a":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]},"b":{"dtype":"BF16","shape":[4],"data_offsets":[24,32]}}""";

    [Fact]
    public void A_well_formed_hand_written_file_opens_and_reads()
    {
        using var dir = new TempDirectory();
        string path = dir.File("good.safetensors");
        CheckpointFixtures.WriteRaw(path, Good, 32);
        using var f = SafetensorsFile.Open(path);
        Assert.Equal(["a", "b"], f.Tensors.Select(t => t.Name));
        Assert.Equal(6, f.Read(f["a"]).Length);
        Assert.Equal(4, f.Read(f["b"]).Length);
    }

    [Fact]
    public void File_shorter_than_the_length_prefix_is_truncated()
    {
        using var dir = new TempDirectory();
        string path = dir.File("tiny.safetensors");
        File.WriteAllBytes(path, [1, 2, 3]);
        var e = Assert.Throws<InvalidDataException>(() => SafetensorsFile.Open(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("truncated", e.Message);
    }

    [Fact]
    public void Header_length_beyond_the_file_is_refused() =>
        Assert.Contains("beyond the end of the file", OpenFails(Good, 32, headerLength: 10_000).Message);

    [Fact]
    public void Invalid_json_is_refused() =>
        Assert.Contains("not valid JSON", OpenFails("""{"a":{"dtype":"F32",""", 0).Message);

    [Fact]
    public void Header_that_is_not_an_object_is_refused() =>
        Assert.Contains("must be a JSON object", OpenFails("[1,2]", 0).Message);

    [Theory]
    [InlineData("I8")]
    [InlineData("F64")]
    public void Unknown_dtype_names_the_tensor_and_the_dtype(string dtype)
    {
        var e = OpenFails($$$"""{"w":{"dtype":"{{{dtype}}}","shape":[4],"data_offsets":[0,4]}}""", 4);
        Assert.Contains("'w'", e.Message);
        Assert.Contains($"unsupported dtype '{dtype}'", e.Message);
    }

    [Fact]
    public void Offsets_beyond_the_data_mean_a_truncated_file()
    {
        var e = OpenFails(Good, 30);
        Assert.Contains("'b'", e.Message);
        Assert.Contains("beyond the data section", e.Message);
    }

    [Fact]
    public void Overlapping_tensors_are_named()
    {
        var e = OpenFails("""{"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]},"b":{"dtype":"F32","shape":[4],"data_offsets":[8,24]}}""", 24);
        Assert.Contains("'a'", e.Message);
        Assert.Contains("'b'", e.Message);
        Assert.Contains("overlap", e.Message);
    }

    [Fact]
    public void Gaps_between_tensors_are_named()
    {
        var e = OpenFails("""{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[12,20]}}""", 20);
        Assert.Contains("gap", e.Message);
        Assert.Contains("'b'", e.Message);
    }

    [Fact]
    public void Data_not_starting_at_zero_is_a_gap() =>
        Assert.Contains("gap: bytes [0, 4)",
            OpenFails("""{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}""", 8).Message);

    [Fact]
    public void Trailing_bytes_after_the_last_tensor_are_refused() =>
        Assert.Contains("trailing bytes", OpenFails(Good, 40).Message);

    [Fact]
    public void Byte_size_must_match_shape_times_dtype_size()
    {
        var e = OpenFails("""{"w":{"dtype":"F16","shape":[3,2],"data_offsets":[0,24]}}""", 24);
        Assert.Contains("'w'", e.Message);
        Assert.Contains("holds 24 bytes but shape [3, 2] of F16 needs 12 bytes", e.Message);
    }

    [Fact]
    public void Negative_shape_and_reversed_offsets_are_refused()
    {
        Assert.Contains("non-negative", OpenFails("""{"w":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}""", 4).Message);
        Assert.Contains("end before they begin", OpenFails("""{"w":{"dtype":"F32","shape":[1],"data_offsets":[4,0]}}""", 4).Message);
    }

    [Fact]
    public void Metadata_values_must_be_strings() =>
        Assert.Contains("'step' must be a string",
            OpenFails("""{"__metadata__":{"step":3},"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}""", 4).Message);

    [Fact]
    public void Missing_file_is_file_not_found()
    {
        using var dir = new TempDirectory();
        var e = Assert.Throws<FileNotFoundException>(() => SafetensorsFile.Open(dir.File("nope.safetensors")));
        Assert.Contains("nope.safetensors", e.Message);
    }
}
