using System.Reflection;
using Precision.Orleans.Abstractions.Grains;
using Precision.Orleans.Runtime.Serialization;

namespace Precision.Orleans.Runtime.Activation;

/// <summary>
/// A validated grain interface: its methods (including those of inherited grain interfaces) by name. Validation
/// fails with a message naming the interface and method when a method is overloaded, does not return Task/Task&lt;T&gt;,
/// has ref/out parameters, or uses a type the codec cannot encode.
/// </summary>
public sealed class GrainInterface
{
    private static readonly Dictionary<Type, GrainInterface> Cache = [];
    private static readonly Lock CacheLock = new();
    private readonly Dictionary<string, GrainMethod> _byName;
    private readonly Dictionary<MethodInfo, GrainMethod> _byMethod;

    private GrainInterface(Type type, IReadOnlyList<GrainMethod> methods)
    {
        Type = type;
        _byName = methods.ToDictionary(m => m.Name, StringComparer.Ordinal);
        _byMethod = methods.ToDictionary(m => m.Method);
    }

    public Type Type { get; }

    public string Name => Type.FullName ?? Type.Name;

    public IEnumerable<GrainMethod> Methods => _byName.Values;

    public static GrainInterface Of(Type type)
    {
        lock (CacheLock)
        {
            if (!Cache.TryGetValue(type, out var found))
            {
                found = Build(type);
                Cache[type] = found;
            }
            return found;
        }
    }

    public GrainMethod Method(string name) =>
        _byName.TryGetValue(name, out var method)
            ? method
            : throw new MissingMethodException($"Grain interface {Name} has no method '{name}'.");

    internal GrainMethod Method(MethodInfo method) => _byMethod[method];

    private static GrainInterface Build(Type type)
    {
        if (!type.IsInterface || !typeof(IGrainWithStringKey).IsAssignableFrom(type))
        {
            throw new ArgumentException($"{type.FullName} is not a grain interface (an interface deriving from IGrainWithStringKey).");
        }
        var methods = new[] { type }.Concat(type.GetInterfaces())
            .SelectMany(i => i.GetMethods(BindingFlags.Public | BindingFlags.Instance))
            .ToList();
        foreach (var method in methods)
        {
            Validate(type, method);
        }
        var overloaded = methods.GroupBy(m => m.Name).FirstOrDefault(g => g.Count() > 1);
        if (overloaded is not null)
        {
            throw new ArgumentException($"Grain interface {type.FullName} overloads '{overloaded.Key}': calls are addressed by method name, give each method its own name.");
        }
        return new GrainInterface(type, [.. methods.Select(m => new GrainMethod(m))]);
    }

    private static void Validate(Type type, MethodInfo method)
    {
        var where = $"{type.FullName}.{method.Name}";
        var returns = method.ReturnType;
        if (returns != typeof(Task) && !(returns.IsGenericType && returns.GetGenericTypeDefinition() == typeof(Task<>)))
        {
            throw new ArgumentException($"Grain method {where} must return Task or Task<T>, not {returns.Name}.");
        }
        if (method.IsGenericMethodDefinition)
        {
            throw new ArgumentException($"Grain method {where} must not be generic.");
        }
        if (method.IsDefined(typeof(OneWayAttribute), true) && returns != typeof(Task))
        {
            throw new ArgumentException($"One-way grain method {where} must return a plain Task.");
        }
        foreach (var parameter in method.GetParameters())
        {
            if (parameter.ParameterType.IsByRef)
            {
                throw new ArgumentException($"Grain method {where} has a ref/out parameter '{parameter.Name}'.");
            }
            EnsureEncodable(parameter.ParameterType, $"{where}({parameter.Name})");
        }
        if (returns.IsGenericType)
        {
            EnsureEncodable(returns.GetGenericArguments()[0], $"{where} result");
        }
    }

    private static void EnsureEncodable(Type type, string where)
    {
        try
        {
            GrainCodec.Default.EnsureSupported(type);
        }
        catch (GrainCodecException e)
        {
            throw new ArgumentException($"{where}: {e.Message}", e);
        }
    }
}
