using Orleans.Placement;

namespace Precision.Orleans.Grains.Placement;

/// <summary>Activations of this grain class (keyed "…/{index}") go round-robin by index to the learner-role silos.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
public sealed class LearnerSpreadPlacementAttribute() : PlacementAttribute(new LearnerSpreadPlacementStrategy());
