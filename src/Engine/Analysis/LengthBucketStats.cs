namespace Precision.Orleans.Engine.Analysis;

/// <summary>Sequence log-ratio log π(y)/μ(y) of the responses whose length lies in [MinLength, MaxLength].</summary>
public sealed record LengthBucketStats(
    int MinLength,
    int MaxLength,
    int Count,
    double MeanSeqLogRatio,
    double MeanAbsSeqLogRatio,
    double MaxAbsSeqLogRatio);
