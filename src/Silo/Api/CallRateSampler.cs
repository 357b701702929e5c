using Precision.Orleans.Runtime.Hosting;

namespace Precision.Orleans.SiloHost.Api;

/// <summary>
/// Calls per second of one silo over a sliding window: samples its monotonic call counter once a second (a timer
/// from when the API is mapped), and answers (newest − oldest sample) / their time span. Before the second sample
/// exists the rate is 0.
/// </summary>
public sealed class CallRateSampler : IDisposable
{
    public static readonly TimeSpan Window = TimeSpan.FromSeconds(10);

    private static readonly TimeSpan Period = TimeSpan.FromSeconds(1);
    private readonly Func<SiloCallCounters?> _counters;
    private readonly TimeProvider _time;
    private readonly Queue<(DateTimeOffset At, long Total)> _samples = new();
    private readonly ITimer _timer;

    public CallRateSampler(Func<SiloCallCounters?> counters, TimeProvider? time = null)
    {
        _counters = counters;
        _time = time ?? TimeProvider.System;
        _timer = _time.CreateTimer(_ => Sample(), null, TimeSpan.Zero, Period);
    }

    public double CallsPerSecond
    {
        get
        {
            lock (_samples)
            {
                if (_samples.Count < 2)
                {
                    return 0;
                }
                var (firstAt, firstTotal) = _samples.Peek();
                var (lastAt, lastTotal) = _samples.Last();
                var seconds = (lastAt - firstAt).TotalSeconds;
                return seconds > 0 ? (lastTotal - firstTotal) / seconds : 0;
            }
        }
    }

    /// <summary>Takes one sample now (the timer calls it every second).</summary>
    public void Sample()
    {
        if (_counters() is not { } counters)
        {
            return;
        }
        var now = _time.GetUtcNow();
        lock (_samples)
        {
            _samples.Enqueue((now, counters.Total));
            while (_samples.Count > 2 && now - _samples.Peek().At > Window)
            {
                _samples.Dequeue();
            }
        }
    }

    public void Dispose() => _timer.Dispose();
}
