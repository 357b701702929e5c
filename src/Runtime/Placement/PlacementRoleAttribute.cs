namespace Precision.Orleans.Runtime.Placement;

/// <summary>
/// Put on a grain CLASS: its activations are placed only on Active silos that advertise <see cref="Role"/>
/// (e.g. "gpu", "cpu", "learner"; compared case-insensitively). A class without it may live on any Active silo.
/// </summary>
[AttributeUsage(AttributeTargets.Class, Inherited = true, AllowMultiple = false)]
public sealed class PlacementRoleAttribute : Attribute
{
    public PlacementRoleAttribute(string role)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(role);
        Role = role;
    }

    public string Role { get; }
}
