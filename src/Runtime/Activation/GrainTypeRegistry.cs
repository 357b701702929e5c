using System.Reflection;
using Precision.Orleans.Abstractions.Grains;
using Precision.Orleans.Runtime.Placement;

namespace Precision.Orleans.Runtime.Activation;

/// <summary>
/// Which grain class implements which grain interface, and the class's placement role. Every silo of a cluster
/// runs the same binaries, so every registry agrees; a client may have an empty registry (silos redirect).
/// </summary>
public sealed class GrainTypeRegistry
{
    private readonly Dictionary<string, GrainClass> _byInterface = new(StringComparer.Ordinal);
    private readonly Dictionary<string, GrainInterface> _interfaces = new(StringComparer.Ordinal);

    public IEnumerable<GrainClass> Classes => _byInterface.Values.Distinct();

    /// <summary>Registers every non-abstract <see cref="Grain"/> subclass of the assembly.</summary>
    public GrainTypeRegistry AddAssembly(Assembly assembly)
    {
        foreach (var type in assembly.GetTypes().Where(t => t.IsClass && !t.IsAbstract && typeof(Grain).IsAssignableFrom(t)))
        {
            Add(type);
        }
        return this;
    }

    public GrainTypeRegistry Add(Type grainClass)
    {
        if (!grainClass.IsClass || grainClass.IsAbstract || !typeof(Grain).IsAssignableFrom(grainClass))
        {
            throw new ArgumentException($"{grainClass.FullName} is not a grain class (a non-abstract subclass of Grain).");
        }
        var interfaces = grainClass.GetInterfaces()
            .Where(i => typeof(IGrainWithStringKey).IsAssignableFrom(i) && i != typeof(IGrainWithStringKey))
            .Select(GrainInterface.Of)
            .ToList();
        if (interfaces.Count == 0)
        {
            throw new ArgumentException($"Grain class {grainClass.FullName} implements no grain interface (one deriving from IGrainWithStringKey).");
        }
        var role = grainClass.GetCustomAttribute<PlacementRoleAttribute>(inherit: true)?.Role;
        var entry = new GrainClass(grainClass, role);
        foreach (var grainInterface in interfaces)
        {
            if (_byInterface.TryGetValue(grainInterface.Name, out var existing) && existing.Type != grainClass)
            {
                throw new ArgumentException($"Grain interface {grainInterface.Name} is implemented by both {existing.Type.FullName} and {grainClass.FullName}; one class per interface.");
            }
            _byInterface[grainInterface.Name] = entry;
            _interfaces[grainInterface.Name] = grainInterface;
        }
        return this;
    }

    /// <summary>The class implementing the grain interface named <paramref name="grainType"/>, or null.</summary>
    public GrainClass? Find(string grainType) => _byInterface.GetValueOrDefault(grainType);

    /// <summary>The validated grain interface named <paramref name="grainType"/>, or null.</summary>
    public GrainInterface? FindInterface(string grainType) => _interfaces.GetValueOrDefault(grainType);
}

/// <summary>A registered grain class and the silo role its activations need (null: any silo).</summary>
public sealed record GrainClass(Type Type, string? Role)
{
    /// <summary>Placed on the silo named by its key (<see cref="SiloKeyedPlacementAttribute"/>).</summary>
    public bool SiloKeyed { get; } = Type.IsDefined(typeof(SiloKeyedPlacementAttribute), inherit: true);
}
