namespace Precision.Orleans.Runtime.Directory;

/// <summary>
/// A grain's identity: its grain type (the full name of its grain interface, e.g.
/// "Precision.Orleans.Abstractions.Grains.IRunGrain") and its string key. Equality is ordinal on both.
/// </summary>
public readonly record struct GrainId(string Type, string Key)
{
    public override string ToString() => $"{Type}/{Key}";

    public static GrainId For(Type grainInterface, string key)
    {
        ArgumentNullException.ThrowIfNull(grainInterface);
        ArgumentNullException.ThrowIfNull(key);
        return new GrainId(grainInterface.FullName ?? grainInterface.Name, key);
    }
}
