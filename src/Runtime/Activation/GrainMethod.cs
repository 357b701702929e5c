using System.Reflection;
using Precision.Orleans.Abstractions.Grains;

namespace Precision.Orleans.Runtime.Activation;

/// <summary>
/// One grain interface method as the runtime sees it: name, parameter types (the codec's schema for the arguments),
/// result type (null for a plain Task), and the [Idempotent] / [OneWay] flags.
/// </summary>
public sealed class GrainMethod
{
    private readonly Func<Task, object?> _resultOf;

    internal GrainMethod(MethodInfo method)
    {
        Method = method;
        Name = method.Name;
        ParameterTypes = [.. method.GetParameters().Select(p => p.ParameterType)];
        ResultType = method.ReturnType.IsGenericType ? method.ReturnType.GetGenericArguments()[0] : null;
        Idempotent = method.IsDefined(typeof(IdempotentAttribute), inherit: true);
        OneWay = method.IsDefined(typeof(OneWayAttribute), inherit: true);
        var resultProperty = method.ReturnType.GetProperty(nameof(Task<int>.Result));
        _resultOf = ResultType is null ? static _ => null : task => resultProperty!.GetValue(task);
    }

    public MethodInfo Method { get; }

    public string Name { get; }

    public IReadOnlyList<Type> ParameterTypes { get; }

    public Type? ResultType { get; }

    public bool Idempotent { get; }

    public bool OneWay { get; }

    /// <summary>The result of a completed task returned by this method (null for a plain Task).</summary>
    internal object? ResultOf(Task completed) => _resultOf(completed);
}
