namespace Precision.Orleans.Runtime.Placement;

/// <summary>Where new activations go.</summary>
public sealed record PlacementOptions
{
    /// <summary>Default <see cref="PlacementStrategy.Random"/>.</summary>
    public PlacementStrategy Strategy { get; init; } = PlacementStrategy.Random;

    /// <summary>Seed of the random choice; null (default) seeds from the OS. Set it for reproducible tests.</summary>
    public int? Seed { get; init; }
}
