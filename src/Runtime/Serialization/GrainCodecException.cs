namespace Precision.Orleans.Runtime.Serialization;

/// <summary>
/// A value cannot be encoded or decoded: an unsupported type (named in the message, with the member path that led to
/// it), a polymorphic value, or malformed/truncated bytes.
/// </summary>
public sealed class GrainCodecException(string message, Type? type = null, Exception? inner = null)
    : Exception(message, inner)
{
    /// <summary>The type the codec could not handle, when the problem is a type.</summary>
    public Type? Type { get; } = type;
}
