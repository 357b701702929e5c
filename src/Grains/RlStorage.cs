namespace Precision.Orleans.Grains;

/// <summary>The grain storage provider the RL grains keep their state in (Redis on a cluster, memory embedded).</summary>
public static class RlStorage
{
    public const string Name = "precision";
}
