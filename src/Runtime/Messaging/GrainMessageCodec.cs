using Precision.Orleans.Runtime.Serialization;

namespace Precision.Orleans.Runtime.Messaging;

/// <summary>
/// The wire form of <see cref="GrainCallRequest"/> and <see cref="GrainCallResponse"/> (the body of an HTTP/2
/// /grain-call POST and its reply): the records encoded by <see cref="GrainCodec"/>, so the argument and result
/// blocks travel as raw bytes with a varint length.
/// </summary>
public static class GrainMessageCodec
{
    public static byte[] EncodeRequest(GrainCallRequest request) => GrainCodec.Default.Encode(request);

    public static GrainCallRequest DecodeRequest(ReadOnlySpan<byte> bytes) =>
        GrainCodec.Default.Decode<GrainCallRequest>(bytes) ?? throw new GrainCodecException("Empty grain call request.");

    public static byte[] EncodeResponse(GrainCallResponse response) => GrainCodec.Default.Encode(response);

    public static GrainCallResponse DecodeResponse(ReadOnlySpan<byte> bytes) =>
        GrainCodec.Default.Decode<GrainCallResponse>(bytes) ?? throw new GrainCodecException("Empty grain call response.");
}
