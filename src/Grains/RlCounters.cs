using System.Diagnostics.Metrics;
using Precision.Orleans.RL.Training;

namespace Precision.Orleans.Grains;

/// <summary>
/// The RL work on Orleans' own meter ("Microsoft.Orleans", from the silo's IMeterFactory), so the Orleans Dashboard's
/// counters page and any metrics exporter show it beside the runtime's counters.
/// </summary>
public sealed class RlCounters
{
    public const string MeterName = "Microsoft.Orleans";

    private readonly Counter<long> _steps;
    private readonly Counter<long> _groups;
    private readonly Counter<long> _tokens;
    private double _lastTokensPerSecond = double.NaN;

    public RlCounters(IMeterFactory meters)
    {
        ArgumentNullException.ThrowIfNull(meters);
        var meter = meters.Create(MeterName);
        _steps = meter.CreateCounter<long>("precision-rl-steps", description: "policy iterations trained");
        _groups = meter.CreateCounter<long>("precision-rl-groups", description: "prompt groups trained");
        _tokens = meter.CreateCounter<long>("precision-rl-response-tokens", description: "response tokens trained on");
        // A gauge of the latest step, not a histogram: the dashboard shows a histogram as the sum of its samples.
        meter.CreateObservableGauge("precision-rl-rollout-tokens-per-second", LatestTokensPerSecond, description: "rollout tokens/s of the latest step");
    }

    public void StepTrained(IterationMetrics metrics)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        _steps.Add(1);
        _groups.Add(metrics.Prompts);
        _tokens.Add(metrics.ResponseTokens);
        if (metrics.RolloutSeconds > 0) Volatile.Write(ref _lastTokensPerSecond, metrics.ResponseTokens / metrics.RolloutSeconds);
    }

    private IEnumerable<Measurement<double>> LatestTokensPerSecond() =>
        Volatile.Read(ref _lastTokensPerSecond) is var latest && !double.IsNaN(latest) ? [new Measurement<double>(latest)] : [];
}
