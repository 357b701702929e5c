using Orleans.Placement;

namespace Precision.Orleans.Grains.Placement;

/// <summary>Activations of this grain class go to the silo named by the key's first segment.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
public sealed class SiloNamedPlacementAttribute() : PlacementAttribute(new SiloNamedPlacementStrategy());
