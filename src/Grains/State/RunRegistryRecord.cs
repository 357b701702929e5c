namespace Precision.Orleans.Grains.State;

/// <summary>The run ids of the cluster, in submission order.</summary>
[GenerateSerializer]
public sealed class RunRegistryRecord
{
    [Id(0)] public List<string> RunIds { get; set; } = [];
}
