using System.Collections.Concurrent;
using Polly;
using Polly.CircuitBreaker;
using Polly.Retry;
using Polly.Timeout;

namespace Precision.Orleans.Runtime.Transport.Http2;

/// <summary>
/// One Polly pipeline per target silo — retry → circuit breaker → per-attempt timeout — so a dead or overloaded
/// silo opens its own breaker without slowing calls to the others. Retry happens only when the call is marked
/// idempotent in the <see cref="ResilienceContext"/>: re-sending a non-idempotent call whose first attempt may
/// have run would execute it twice.
/// </summary>
public sealed class SiloCallPipelines(Http2TransportOptions options, TimeProvider? timeProvider = null)
{
    /// <summary>Context property: the call may be retried.</summary>
    public static readonly ResiliencePropertyKey<bool> IdempotentKey = new("precision.idempotent");

    /// <summary>Context property: absolute deadline of the whole call (no attempt starts or runs past it).</summary>
    public static readonly ResiliencePropertyKey<DateTimeOffset> DeadlineKey = new("precision.deadline");

    private readonly TimeProvider _time = timeProvider ?? TimeProvider.System;
    private readonly ConcurrentDictionary<string, ResiliencePipeline> _pipelines = new();

    /// <summary>The pipeline for calls to <paramref name="target"/> (built once per target).</summary>
    public ResiliencePipeline For(string target) => _pipelines.GetOrAdd(target, Build);

    /// <summary>Drops a target's pipeline (its breaker state) — e.g. when the silo is declared dead.</summary>
    public void Forget(string target) => _pipelines.TryRemove(target, out _);

    /// <summary>True for failures of the wire or the peer process, never for exceptions a grain threw.</summary>
    public static bool IsTransient(Exception? exception) => exception switch
    {
        null => false,
        BrokenCircuitException => false, // the breaker already knows; retrying into it only burns the budget
        TimeoutRejectedException => true,
        HttpRequestException => true,
        IOException => true,
        GrainTransportException e => e.IsTransient,
        _ => false,
    };

    private ResiliencePipeline Build(string target)
    {
        return new ResiliencePipelineBuilder { TimeProvider = _time }
            .AddRetry(new RetryStrategyOptions
            {
                MaxRetryAttempts = options.MaxRetryAttempts,
                Delay = options.RetryBaseDelay,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                ShouldHandle = args => ValueTask.FromResult(
                    args.Context.Properties.GetValue(IdempotentKey, false)
                    && IsTransient(args.Outcome.Exception)
                    && RemainingTime(args.Context) > TimeSpan.Zero),
            })
            .AddCircuitBreaker(new CircuitBreakerStrategyOptions
            {
                FailureRatio = options.BreakerFailureRatio,
                MinimumThroughput = options.BreakerMinimumThroughput,
                SamplingDuration = options.BreakerSamplingDuration,
                BreakDuration = options.BreakerBreakDuration,
                ShouldHandle = args => ValueTask.FromResult(IsTransient(args.Outcome.Exception)),
            })
            .AddTimeout(new TimeoutStrategyOptions
            {
                TimeoutGenerator = args =>
                {
                    var remaining = RemainingTime(args.Context);
                    var timeout = remaining < options.AttemptTimeout ? remaining : options.AttemptTimeout;
                    // Polly needs a positive timeout; an expired deadline gets the shortest one and fails at once.
                    return ValueTask.FromResult(timeout > TimeSpan.Zero ? timeout : TimeSpan.FromMilliseconds(1));
                },
            })
            .Build();
    }

    private TimeSpan RemainingTime(ResilienceContext context) =>
        context.Properties.TryGetValue(DeadlineKey, out var deadline)
            ? deadline - _time.GetUtcNow()
            : TimeSpan.MaxValue;
}
