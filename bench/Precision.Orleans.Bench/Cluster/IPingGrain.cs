namespace Precision.Orleans.Bench.Cluster;

/// <summary>The empty grain call of the grain-call benchmark.</summary>
public interface IPingGrain : IGrainWithStringKey
{
    Task Ping();
}
