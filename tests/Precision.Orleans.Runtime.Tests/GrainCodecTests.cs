using System.Runtime.InteropServices;
using Precision.Orleans.Runtime.Directory;
using Precision.Orleans.Runtime.Membership;
using Precision.Orleans.Runtime.Messaging;
using Precision.Orleans.Runtime.Serialization;
using Xunit;

namespace Precision.Orleans.Runtime.Tests;

public sealed class GrainCodecTests
{
    public enum Phase : byte { Rollout = 3, Train = 200 }

    public sealed record Tensor(string Name, int[] Shape, float[] Data, Half[]? Half16);

    public sealed record Batch(
        long Step,
        Phase Phase,
        string? Note,
        double? Loss,
        List<Tensor> Tensors,
        Dictionary<string, long[]> Tokens,
        IReadOnlyDictionary<int, string?> Labels,
        Batch? Previous,
        DateTimeOffset At,
        Guid Id);

    public sealed class Mutable
    {
        public string Text { get; set; } = "";
        public int Number { get; init; }
        public int Derived => Number * 2;
    }

    public record Animal(string Name);

    public sealed record Dog(string Name, bool Good) : Animal(Name);

    public sealed record HoldsObject(object Anything);

    public sealed record HoldsTuple(int Id, (int, string) Pair);

    public sealed record HoldsNested(string Name, HoldsObject Inner);

    public sealed class Node
    {
        public string Name { get; set; } = "";
        public List<Node> Children { get; set; } = [];
    }

    [Fact]
    public void PrimitivesStringsAndEdgeValuesRoundTrip()
    {
        var codec = new GrainCodec();
        AssertRoundTrip(codec, int.MinValue);
        AssertRoundTrip(codec, long.MaxValue);
        AssertRoundTrip(codec, ulong.MaxValue);
        AssertRoundTrip(codec, (short)-12345);
        AssertRoundTrip(codec, 'λ');
        AssertRoundTrip(codec, 1.5e-42f);
        AssertRoundTrip(codec, -0.0);
        AssertRoundTrip(codec, 79228162514264337593543950335m);
        AssertRoundTrip(codec, (Half)65504);
        AssertRoundTrip(codec, "grüße, 世界");
        AssertRoundTrip(codec, (string?)null);
        AssertRoundTrip(codec, (int?)null);
        AssertRoundTrip(codec, (int?)-7);
        AssertRoundTrip(codec, TimeSpan.FromTicks(-123456789));
        AssertRoundTrip(codec, new DateTimeOffset(2026, 5, 17, 3, 4, 5, TimeSpan.FromHours(-7)).AddTicks(9));
        AssertRoundTrip(codec, Phase.Train);
        Assert.Equal(-0.0, codec.Decode<double>(codec.Encode(-0.0)));
        Assert.True(double.IsNegative(codec.Decode<double>(codec.Encode(-0.0))));
        // Small ints are varints: a compact encoding is the point of the codec.
        Assert.Single(codec.Encode(5));
    }

    [Fact]
    public void LargeNumericArraysAreRawLittleEndianBlocksAndByteExact()
    {
        var codec = new GrainCodec();
        var random = new Random(7);
        var floats = new float[1 << 20];
        for (var i = 0; i < floats.Length; i++)
        {
            floats[i] = BitConverter.Int32BitsToSingle(random.Next(int.MinValue, int.MaxValue));
        }
        floats[3] = BitConverter.Int32BitsToSingle(0x7FC0_1234); // a NaN with a payload must survive
        var bytes = codec.Encode(floats);
        // presence byte + varint count (3 bytes for 2^20) + 4 bytes per element: no per-element overhead.
        Assert.Equal(1 + 3 + floats.Length * 4, bytes.Length);
        Assert.True(MemoryMarshal.AsBytes(floats.AsSpan()).SequenceEqual(bytes.AsSpan(4)));
        var back = codec.Decode<float[]>(bytes);
        Assert.True(MemoryMarshal.AsBytes(floats.AsSpan()).SequenceEqual(MemoryMarshal.AsBytes(back.AsSpan())));

        var halves = Enumerable.Range(0, 1000).Select(i => BitConverter.UInt16BitsToHalf((ushort)(i * 65))).ToArray();
        Assert.Equal(halves.Select(BitConverter.HalfToUInt16Bits), codec.Decode<Half[]>(codec.Encode(halves)).Select(BitConverter.HalfToUInt16Bits));
        var longs = new[] { long.MinValue, -1, 0, long.MaxValue };
        Assert.Equal(longs, codec.Decode<long[]>(codec.Encode(longs)));
        var raw = Enumerable.Range(0, 300).Select(i => (byte)i).ToArray();
        Assert.Equal(raw, codec.Decode<byte[]>(codec.Encode(raw)));
        Assert.Empty(codec.Decode<int[]>(codec.Encode(Array.Empty<int>())));
        Assert.Null(codec.Decode<int[]?>(codec.Encode<int[]?>(null)));
    }

    [Fact]
    public void NestedRecordsCollectionsDictionariesAndNullsRoundTrip()
    {
        var codec = new GrainCodec();
        var first = new Batch(1, Phase.Rollout, null, null, [], [], new Dictionary<int, string?>(), null, DateTimeOffset.UnixEpoch, Guid.Empty);
        var batch = new Batch(
            Step: 42,
            Phase: Phase.Train,
            Note: "step 42",
            Loss: 0.125,
            Tensors: [new Tensor("w", [2, 3], [1, 2, 3, 4, 5, 6], [(Half)0.5f]), new Tensor("b", [3], [7, 8, 9], null)],
            Tokens: new Dictionary<string, long[]> { ["a"] = [1, 2], ["b"] = [] },
            Labels: new Dictionary<int, string?> { [1] = "one", [2] = null },
            Previous: first,
            At: new DateTimeOffset(2026, 2, 3, 4, 5, 6, TimeSpan.Zero),
            Id: Guid.NewGuid());

        var back = codec.Decode<Batch>(codec.Encode(batch));

        Assert.Equal(batch.Step, back.Step);
        Assert.Equal(batch.Phase, back.Phase);
        Assert.Equal(batch.Note, back.Note);
        Assert.Equal(batch.Loss, back.Loss);
        Assert.Equal(batch.At, back.At);
        Assert.Equal(batch.Id, back.Id);
        Assert.Equal(2, back.Tensors.Count);
        Assert.Equal(batch.Tensors[0].Data, back.Tensors[0].Data);
        Assert.Equal(batch.Tensors[0].Shape, back.Tensors[0].Shape);
        Assert.Equal(batch.Tensors[0].Half16, back.Tensors[0].Half16);
        Assert.Null(back.Tensors[1].Half16);
        Assert.Equal(batch.Tokens["a"], back.Tokens["a"]);
        Assert.Empty(back.Tokens["b"]);
        Assert.Equal("one", back.Labels[1]);
        Assert.Null(back.Labels[2]);
        Assert.NotNull(back.Previous);
        Assert.Null(back.Previous!.Previous);
        Assert.Equal(first.Step, back.Previous.Step);
        Assert.Null(codec.Decode<Batch?>(codec.Encode<Batch?>(null)));
    }

    [Fact]
    public void ClassesWithSettersAndInitRoundTripAndDerivedPropertiesAreSkipped()
    {
        var codec = new GrainCodec();
        var back = codec.Decode<Mutable>(codec.Encode(new Mutable { Text = "x", Number = 21 }));
        Assert.Equal("x", back.Text);
        Assert.Equal(21, back.Number);
        Assert.Equal(42, back.Derived);

        var tree = new Node { Name = "root", Children = [new Node { Name = "leaf" }] };
        var treeBack = codec.Decode<Node>(codec.Encode(tree));
        Assert.Equal("leaf", Assert.Single(treeBack.Children).Name);
    }

    [Fact]
    public void UnsupportedTypesFailWithTheTypeAndMemberPathNamed()
    {
        var codec = new GrainCodec();
        var objectMember = Assert.Throws<GrainCodecException>(() => codec.Encode(new HoldsNested("n", new HoldsObject(1))));
        Assert.Equal(typeof(object), objectMember.Type);
        Assert.Contains("System.Object", objectMember.Message);
        Assert.Contains("HoldsNested.Inner.Anything", objectMember.Message);

        var tuple = Assert.Throws<GrainCodecException>(() => codec.EnsureSupported(typeof(HoldsTuple)));
        Assert.Contains("ValueTuple", tuple.Message);
        Assert.Contains("HoldsTuple.Pair", tuple.Message);

        var iface = Assert.Throws<GrainCodecException>(() => codec.EnsureSupported(typeof(IDisposable)));
        Assert.Contains("System.IDisposable", iface.Message);

        var delegateType = Assert.Throws<GrainCodecException>(() => codec.EnsureSupported(typeof(Func<int>)));
        Assert.Contains("Func", delegateType.Message);

        // A failed plan leaves nothing behind: the same type fails again the same way.
        Assert.Throws<GrainCodecException>(() => codec.EnsureSupported(typeof(HoldsNested)));
    }

    [Fact]
    public void PolymorphicValuesCyclesAndTruncatedBytesAreRefused()
    {
        var codec = new GrainCodec();
        var polymorphic = Assert.Throws<GrainCodecException>(() => codec.Encode<Animal>(new Dog("rex", true)));
        Assert.Contains(typeof(Dog).FullName!, polymorphic.Message);

        var loop = new Node { Name = "a" };
        loop.Children.Add(loop);
        Assert.Contains("cycle", Assert.Throws<GrainCodecException>(() => codec.Encode(loop)).Message);

        var bytes = codec.Encode(new Tensor("t", [4], [1, 2, 3, 4], null));
        Assert.Contains("truncated", Assert.Throws<GrainCodecException>(() => codec.Decode<Tensor>(bytes.AsSpan(0, bytes.Length - 3))).Message);
        Assert.Contains("trailing", Assert.Throws<GrainCodecException>(() => codec.Decode<Tensor>([.. bytes, 0])).Message);
    }

    [Fact]
    public void ArgumentListsAndWireMessagesRoundTrip()
    {
        var codec = new GrainCodec();
        Type[] types = [typeof(string), typeof(float[]), typeof(int?)];
        var args = codec.DecodeArguments(codec.EncodeArguments(["k", new[] { 1f, 2f }, null], types), types);
        Assert.Equal("k", args[0]);
        Assert.Equal([1f, 2f], (float[])args[1]!);
        Assert.Null(args[2]);

        var request = new GrainCallRequest(new GrainId("IFoo", "key/1"), "IFoo", "Bar", [1, 2, 3], true, DateTimeOffset.UnixEpoch) { Hops = 2 };
        var requestBack = GrainMessageCodec.DecodeRequest(GrainMessageCodec.EncodeRequest(request));
        Assert.Equal(request.GrainId, requestBack.GrainId);
        Assert.Equal(request.Args, requestBack.Args);
        Assert.Equal((request.Method, request.Idempotent, request.Deadline, request.Hops), (requestBack.Method, requestBack.Idempotent, requestBack.Deadline, requestBack.Hops));

        var silo = new SiloAddress("s1", "http://127.0.0.1:5000", 99);
        var redirect = GrainCallResponse.RedirectTo(new GrainAddress(request.GrainId, silo, "act"));
        Assert.Equal(redirect.Redirect, GrainMessageCodec.DecodeResponse(GrainMessageCodec.EncodeResponse(redirect)).Redirect);
        var error = GrainMessageCodec.DecodeResponse(GrainMessageCodec.EncodeResponse(GrainCallResponse.Error(new ArgumentException("bad"))));
        Assert.Equal((GrainCallStatus.Exception, "System.ArgumentException", "bad"), (error.Status, error.ErrorType, error.ErrorMessage));
    }

    private static void AssertRoundTrip<T>(GrainCodec codec, T value) => Assert.Equal(value, codec.Decode<T>(codec.Encode(value)));
}
