using System.Reflection;
using Precision.Orleans.RL.Training;

namespace Precision.Orleans.Tests.Shared;

/// <summary>Compares every metric except wall-clock timings (which no two runs share).</summary>
internal sealed class MetricsComparer : IEqualityComparer<IterationMetrics?>
{
    public static readonly MetricsComparer Instance = new();

    private static readonly PropertyInfo[] Compared = typeof(IterationMetrics).GetProperties()
        .Where(p => !p.Name.EndsWith("Seconds", StringComparison.Ordinal)).ToArray();

    public bool Equals(IterationMetrics? a, IterationMetrics? b)
    {
        if (a is null || b is null) return a is null && b is null;
        foreach (var p in Compared)
        {
            object? x = p.GetValue(a), y = p.GetValue(b);
            if (x is IReadOnlyDictionary<string, double> dx && y is IReadOnlyDictionary<string, double> dy)
            {
                if (!dx.OrderBy(k => k.Key).SequenceEqual(dy.OrderBy(k => k.Key))) throw new Xunit.Sdk.XunitException($"{p.Name} differs at step {a.Step}");
            }
            else if (!Equals(x, y)) throw new Xunit.Sdk.XunitException($"{p.Name} differs at step {a.Step}: {x} vs {y}");
        }
        return true;
    }

    public int GetHashCode(IterationMetrics? obj) => obj?.Step ?? 0;
}
