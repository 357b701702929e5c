namespace Precision.Orleans.Abstractions.Grains;

/// <summary>
/// Marks a grain interface method as safe to execute more than once with the same effect. Only such calls are
/// retried by the transport after a timeout or a failure whose delivery is unknown; other calls fail to the caller.
/// </summary>
[AttributeUsage(AttributeTargets.Method, Inherited = true)]
public sealed class IdempotentAttribute : Attribute;
