namespace Precision.Orleans.Abstractions.Grains;

/// <summary>
/// Marker for grain interfaces. A grain interface declares only methods returning <see cref="Task"/> or
/// <see cref="Task{TResult}"/>; arguments and results cross silos through the runtime's binary codec, so they must
/// be codec-supported types (primitives, strings, enums, arrays, lists, dictionaries, records/classes of those).
/// Methods must not be overloaded: a call is addressed by interface and method name.
/// </summary>
public interface IGrain;
