using Orleans.Placement;

namespace Precision.Orleans.Grains.Placement;

/// <summary>Activations of this grain class go to silos with the learner role.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
public sealed class LearnerRolePlacementAttribute() : PlacementAttribute(new LearnerRolePlacementStrategy());
