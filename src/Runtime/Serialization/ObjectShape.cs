using System.Linq.Expressions;
using System.Reflection;

namespace Precision.Orleans.Runtime.Serialization;

/// <summary>
/// The encodable shape of a record, class or struct: the members written (constructor-fed properties in constructor
/// order, then settable/init properties in declaration order), compiled getters and one compiled factory.
/// </summary>
internal sealed class ObjectShape
{
    private ObjectShape(IReadOnlyList<PropertyInfo> members, Func<object, object?>[] getters, Func<object?[], object> create)
    {
        Members = members;
        Getters = getters;
        Create = create;
    }

    public IReadOnlyList<PropertyInfo> Members { get; }

    public Func<object, object?>[] Getters { get; }

    public Func<object?[], object> Create { get; }

    public static ObjectShape Of(Type type, string path)
    {
        var properties = type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.GetIndexParameters().Length == 0 && p.GetMethod is { IsPublic: true })
            .OrderBy(p => p.MetadataToken)
            .ToArray();
        var byName = properties.GroupBy(p => p.Name, StringComparer.OrdinalIgnoreCase)
            .ToDictionary(g => g.Key, g => g.First(), StringComparer.OrdinalIgnoreCase);

        ConstructorInfo? constructor = null;
        PropertyInfo[] constructorMembers = [];
        foreach (var candidate in type.GetConstructors(BindingFlags.Public | BindingFlags.Instance).OrderByDescending(c => c.GetParameters().Length))
        {
            var parameters = candidate.GetParameters();
            var matched = parameters
                .Select(p => p.Name is not null && byName.TryGetValue(p.Name, out var prop) && prop.PropertyType == p.ParameterType ? prop : null)
                .ToArray();
            if (matched.All(m => m is not null))
            {
                constructor = candidate;
                constructorMembers = matched!;
                break;
            }
        }
        if (constructor is null && !type.IsValueType)
        {
            throw new GrainCodecException(
                $"GrainCodec cannot encode type '{type.FullName}' (at {path}): it has no public constructor whose parameters all match public properties by name and type.",
                type);
        }
        var settable = properties
            .Where(p => p.SetMethod is { IsPublic: true } && !constructorMembers.Contains(p))
            .ToArray();
        var members = constructorMembers.Concat(settable).ToArray();

        var getters = members.Select(CompileGetter).ToArray();
        return new ObjectShape(members, getters, CompileFactory(type, constructor, constructorMembers.Length, settable));
    }

    private static Func<object, object?> CompileGetter(PropertyInfo property)
    {
        var instance = Expression.Parameter(typeof(object), "instance");
        var body = Expression.Convert(
            Expression.Property(Expression.Convert(instance, property.DeclaringType!), property),
            typeof(object));
        return Expression.Lambda<Func<object, object?>>(body, instance).Compile();
    }

    private static Func<object?[], object> CompileFactory(Type type, ConstructorInfo? constructor, int constructorCount, PropertyInfo[] settable)
    {
        var values = Expression.Parameter(typeof(object?[]), "values");
        var result = Expression.Variable(type, "result");
        Expression Value(int index, Type target) => Expression.Convert(Expression.ArrayIndex(values, Expression.Constant(index)), target);

        var body = new List<Expression>
        {
            Expression.Assign(result, constructor is null
                ? Expression.New(type)
                : Expression.New(constructor, constructor.GetParameters().Select((p, i) => Value(i, p.ParameterType)))),
        };
        for (var i = 0; i < settable.Length; i++)
        {
            body.Add(Expression.Assign(Expression.Property(result, settable[i]), Value(constructorCount + i, settable[i].PropertyType)));
        }
        body.Add(Expression.Convert(result, typeof(object)));
        return Expression.Lambda<Func<object?[], object>>(Expression.Block([result], body), values).Compile();
    }
}
