namespace Precision.Orleans.Bench.Cluster;

[GenerateSerializer, Immutable]
public sealed record CallTimes([property: Id(0)] double[] Micros, [property: Id(1)] double WallSeconds);
