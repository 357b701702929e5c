namespace Precision.Orleans.Runtime.Placement;

public enum PlacementStrategy
{
    /// <summary>Uniformly among the eligible silos (Orleans' default).</summary>
    Random,
    /// <summary>The eligible silo with the fewest registered activations (ties broken at random).</summary>
    LeastLoaded,
}
