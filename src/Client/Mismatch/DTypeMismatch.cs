using Precision.Orleans.Abstractions;
using Precision.Orleans.Engine.Analysis;

namespace Precision.Orleans.Client.Mismatch;

/// <summary>
/// Everything measured for one dtype: the metrics, the per-token (log π, log μ) pairs of every sampled
/// response token (for the π-vs-μ plot), example responses, how long each engine took and, for MoE models, how often
/// the two engines routed a response token to different experts (null for dense models).
/// </summary>
internal sealed record DTypeMismatch(
    DType DType,
    MismatchMetrics Metrics,
    float[][] LogPi,
    float[][] LogMu,
    IReadOnlyList<string> ExampleResponses,
    double SampleSeconds,
    double ScoreSeconds,
    int StoppedAtEos,
    RoutingMismatch? Routing = null);
