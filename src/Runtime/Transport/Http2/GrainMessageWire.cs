using System.Text;
using Precision.Orleans.Runtime.Directory;
using Precision.Orleans.Runtime.Membership;
using Precision.Orleans.Runtime.Messaging;

namespace Precision.Orleans.Runtime.Transport.Http2;

/// <summary>
/// The binary body of POST /grain-call and of its answer: a version byte, then the fields in declaration order —
/// strings as UTF-8 with a 7-bit length prefix, byte arrays with an Int32 length, then raw (the arguments and the
/// result are already GrainCodec blocks, so token ids and tensors travel as raw little-endian bytes, never as text).
/// </summary>
public static class GrainMessageWire
{
    /// <summary>MIME type of both bodies.</summary>
    public const string ContentType = "application/x-precision-grain-call";

    private const byte Version = 1;
    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    [Flags]
    private enum RequestFlags : byte
    {
        None = 0,
        Idempotent = 1,
        OneWay = 2,
        HasDeadline = 4,
    }

    public static byte[] Encode(GrainCallRequest request)
    {
        using var stream = new MemoryStream(64 + request.Args.Length);
        using (var writer = new BinaryWriter(stream, Utf8, leaveOpen: true))
        {
            writer.Write(Version);
            writer.Write(request.GrainId.Type);
            writer.Write(request.GrainId.Key);
            writer.Write(request.Interface);
            writer.Write(request.Method);
            WriteBytes(writer, request.Args);
            var flags = (request.Idempotent ? RequestFlags.Idempotent : RequestFlags.None)
                | (request.OneWay ? RequestFlags.OneWay : RequestFlags.None)
                | (request.Deadline is null ? RequestFlags.None : RequestFlags.HasDeadline);
            writer.Write((byte)flags);
            if (request.Deadline is { } deadline)
            {
                writer.Write(deadline.UtcTicks);
            }

            writer.Write(request.Hops);
        }

        return stream.ToArray();
    }

    public static GrainCallRequest DecodeRequest(ReadOnlyMemory<byte> body)
    {
        return Read(body, "grain call request", reader =>
        {
            var grainId = new GrainId(reader.ReadString(), reader.ReadString());
            var iface = reader.ReadString();
            var method = reader.ReadString();
            var args = ReadBytes(reader);
            var flags = (RequestFlags)reader.ReadByte();
            DateTimeOffset? deadline = flags.HasFlag(RequestFlags.HasDeadline)
                ? new DateTimeOffset(reader.ReadInt64(), TimeSpan.Zero)
                : null;
            var hops = reader.ReadInt32();
            return new GrainCallRequest(grainId, iface, method, args, flags.HasFlag(RequestFlags.Idempotent), deadline,
                flags.HasFlag(RequestFlags.OneWay)) { Hops = hops };
        });
    }

    public static byte[] Encode(GrainCallResponse response)
    {
        using var stream = new MemoryStream(32 + response.Result.Length);
        using (var writer = new BinaryWriter(stream, Utf8, leaveOpen: true))
        {
            writer.Write(Version);
            writer.Write((byte)response.Status);
            WriteBytes(writer, response.Result);
            WriteNullable(writer, response.ErrorType);
            WriteNullable(writer, response.ErrorMessage);
            writer.Write(response.Redirect is not null);
            if (response.Redirect is { } redirect)
            {
                writer.Write(redirect.GrainId.Type);
                writer.Write(redirect.GrainId.Key);
                writer.Write(redirect.Silo.SiloId);
                writer.Write(redirect.Silo.Endpoint);
                writer.Write(redirect.Silo.Generation);
                writer.Write(redirect.ActivationId);
            }
        }

        return stream.ToArray();
    }

    public static GrainCallResponse DecodeResponse(ReadOnlyMemory<byte> body)
    {
        return Read(body, "grain call response", reader =>
        {
            var status = (GrainCallStatus)reader.ReadByte();
            if (!Enum.IsDefined(status))
            {
                throw new InvalidDataException($"unknown status {(byte)status}");
            }

            var result = ReadBytes(reader);
            var errorType = ReadNullable(reader);
            var errorMessage = ReadNullable(reader);
            GrainAddress? redirect = null;
            if (reader.ReadBoolean())
            {
                var grainId = new GrainId(reader.ReadString(), reader.ReadString());
                var silo = new SiloAddress(reader.ReadString(), reader.ReadString(), reader.ReadInt64());
                redirect = new GrainAddress(grainId, silo, reader.ReadString());
            }

            return new GrainCallResponse(status, result, errorType, errorMessage, redirect);
        });
    }

    private static T Read<T>(ReadOnlyMemory<byte> body, string what, Func<BinaryReader, T> read)
    {
        try
        {
            using var stream = new MemoryStream(body.ToArray(), writable: false);
            using var reader = new BinaryReader(stream, Utf8);
            var version = reader.ReadByte();
            if (version != Version)
            {
                throw new InvalidDataException($"wire version {version}, this build speaks {Version}");
            }

            var value = read(reader);
            if (stream.Position != stream.Length)
            {
                throw new InvalidDataException($"{stream.Length - stream.Position} trailing bytes");
            }

            return value;
        }
        catch (Exception e) when (e is EndOfStreamException or InvalidDataException or DecoderFallbackException
                                      or FormatException or ArgumentOutOfRangeException)
        {
            throw new InvalidDataException($"Malformed {what} ({body.Length} bytes): {e.Message}", e);
        }
    }

    private static void WriteBytes(BinaryWriter writer, byte[] bytes)
    {
        writer.Write(bytes.Length);
        writer.Write(bytes);
    }

    private static byte[] ReadBytes(BinaryReader reader)
    {
        var length = reader.ReadInt32();
        if (length < 0 || length > reader.BaseStream.Length - reader.BaseStream.Position)
        {
            throw new InvalidDataException($"byte block of length {length} does not fit the body");
        }

        return reader.ReadBytes(length);
    }

    private static void WriteNullable(BinaryWriter writer, string? value)
    {
        writer.Write(value is not null);
        if (value is not null)
        {
            writer.Write(value);
        }
    }

    private static string? ReadNullable(BinaryReader reader) => reader.ReadBoolean() ? reader.ReadString() : null;
}
