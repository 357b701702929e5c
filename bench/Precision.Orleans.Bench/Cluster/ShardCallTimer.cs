using System.Collections.Concurrent;
using System.Diagnostics;

namespace Precision.Orleans.Bench.Cluster;

/// <summary>
/// Start and end timestamps of the grain calls that make up the sharded step's consensus round, taken by Orleans call
/// filters so the learner's code is measured unchanged: the client's calls to the parameter shards (BeginStep, Reduce,
/// Apply — the coordinator runs on the bench's cluster client), and the silos' grain-storage writes
/// (<see cref="TimedGrainStorage"/>: the shards' durable log, written inside Apply; with memory storage a call to
/// Orleans' memory storage grain, with Redis a round trip to the server). One step is measured at a time:
/// <see cref="Clear"/> before it, <see cref="Phase"/> after.
/// </summary>
internal static class ShardCallTimer
{
    private static readonly ConcurrentQueue<(string Method, long Start, long End)> Calls = new();

    public static void Clear() => Calls.Clear();

    public static void Record(string method, long start) => Calls.Enqueue((method, start, Stopwatch.GetTimestamp()));

    /// <summary>Wall milliseconds from the first start to the last end of <paramref name="method"/>'s calls (they run in parallel over the shards); 0 if none.</summary>
    public static double Phase(string method)
    {
        var calls = Calls.Where(c => c.Method == method).ToArray();
        if (calls.Length == 0) return 0;
        return Stopwatch.GetElapsedTime(calls.Min(c => c.Start), calls.Max(c => c.End)).TotalMilliseconds;
    }

    /// <summary>The longest single call of <paramref name="method"/>, in milliseconds (0 if none).</summary>
    public static double Longest(string method)
    {
        var calls = Calls.Where(c => c.Method == method).ToArray();
        return calls.Length == 0 ? 0 : calls.Max(c => Stopwatch.GetElapsedTime(c.Start, c.End).TotalMilliseconds);
    }

    public static int Count(string method) => Calls.Count(c => c.Method == method);

    /// <summary>The client's filter: times the calls to the parameter shards' step protocol.</summary>
    public static async Task TimeShardCall(IOutgoingGrainCallContext context)
    {
        if (context.InterfaceName.EndsWith("IParameterShardGrain", StringComparison.Ordinal)
            && context.MethodName is "BeginStep" or "Reduce" or "Apply")
        {
            long start = Stopwatch.GetTimestamp();
            await context.Invoke();
            Record(context.MethodName, start);
            return;
        }
        await context.Invoke();
    }

    /// <summary>The name <see cref="TimedGrainStorage"/> records its writes under.</summary>
    public const string StorageWrite = "storage write";
}
