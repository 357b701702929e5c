namespace Precision.Orleans.Abstractions.Grains;

/// <summary>
/// Marks a <see cref="Task"/>-returning grain interface method as fire-and-forget: the caller's task completes once
/// the request is handed to the runtime, and grain exceptions are logged by the target silo instead of returned.
/// </summary>
[AttributeUsage(AttributeTargets.Method, Inherited = true)]
public sealed class OneWayAttribute : Attribute;
