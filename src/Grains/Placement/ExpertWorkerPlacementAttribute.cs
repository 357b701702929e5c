using Orleans.Placement;

namespace Precision.Orleans.Grains.Placement;

/// <summary>Activations of this grain class (expert workers) are placed by their key's group: training on learner-role silos.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
public sealed class ExpertWorkerPlacementAttribute() : PlacementAttribute(new ExpertWorkerPlacementStrategy());
