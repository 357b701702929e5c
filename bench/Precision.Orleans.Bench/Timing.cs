using System.Diagnostics;

namespace Precision.Orleans.Bench;

internal static class Timing
{
    /// <summary>Best wall time in seconds of <paramref name="repeats"/> runs after one warm-up (JIT, page faults, caches).</summary>
    public static double BestOf(int repeats, Action action)
    {
        action();
        double best = double.MaxValue;
        for (int r = 0; r < repeats; r++)
        {
            long t0 = Stopwatch.GetTimestamp();
            action();
            best = Math.Min(best, Stopwatch.GetElapsedTime(t0).TotalSeconds);
        }
        return best;
    }

    /// <summary>Wall time in seconds of one run.</summary>
    public static double Once(Action action)
    {
        long t0 = Stopwatch.GetTimestamp();
        action();
        return Stopwatch.GetElapsedTime(t0).TotalSeconds;
    }

    /// <summary>Repeats so one measurement takes ≈ <paramref name="targetSeconds"/>, given one run's time.</summary>
    public static int RepeatsFor(double oneRunSeconds, double targetSeconds = 0.15, int max = 50) =>
        (int)Math.Clamp(targetSeconds / Math.Max(oneRunSeconds, 1e-7), 1, max);
}
