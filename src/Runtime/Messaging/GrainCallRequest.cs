using Precision.Orleans.Runtime.Directory;

namespace Precision.Orleans.Runtime.Messaging;

/// <summary>
/// One grain method call on the wire. <paramref name="Interface"/> is the grain interface's full name and
/// <paramref name="Method"/> the method's name (grain interfaces do not overload). <paramref name="Args"/> are the
/// arguments encoded in order by <see cref="Serialization.GrainCodec.EncodeArguments"/> against the method's
/// parameter types. <paramref name="Idempotent"/> mirrors [Idempotent] (the transport may retry only these).
/// <paramref name="Deadline"/> (UTC) is when the caller stops waiting; a silo does not start a call past it.
/// <paramref name="OneWay"/> mirrors [OneWay]: no result is awaited.
/// </summary>
public sealed record GrainCallRequest(
    GrainId GrainId,
    string Interface,
    string Method,
    byte[] Args,
    bool Idempotent,
    DateTimeOffset? Deadline,
    bool OneWay = false)
{
    /// <summary>How many times this request was forwarded between silos (bounded to stop forwarding loops).</summary>
    public int Hops { get; init; }
}
